/**
 * The remediator watching itself (infra/modules/monitoring.bicep, compiled by the real Bicep CLI): the workbook's
 * panels and the alert rules query exactly the signals src/telemetry/names.ts emits, every alert the issue names is
 * there, silence only alerts once the event subscription exists, and the audit reader grant is the read-only role.
 */
import { join } from 'node:path';
import { METRIC } from '../../src/telemetry/names';
import { findModule, findResources, INFRA_DIR, loadCompiledTemplate, readJson } from './arm';

interface Workbook {
  items: { type: number; content: { title?: string; query?: string } }[];
}
interface AlertFacts {
  rules: Record<string, { query: string; severity: number; window: string; frequency: string }>;
  deadLetterMetric: { metricName: string };
}

const workbook = readJson<Workbook>(join(INFRA_DIR, 'workbook.json'));
const alerts = readJson<AlertFacts>(join(INFRA_DIR, 'alert-rules.json'));
const compiled = loadCompiledTemplate('modules/monitoring');
const compiledText = JSON.stringify(compiled);

describe('monitoring: workbook and alert rules', () => {
  it('main.bicep deploys the monitoring module', () => {
    const mod = findModule(loadCompiledTemplate('main'), 'remediator-monitoring');
    expect(Object.keys(mod.properties.parameters ?? {})).toEqual(
      expect.arrayContaining(['appInsightsName', 'eventWiringDeployed', 'alertEmail', 'auditReaderGroupObjectId']),
    );
  });

  it('the workbook has a panel for every metric, and its JSON is compiled into the template', () => {
    const queries = workbook.items.filter((i) => i.type === 3).map((i) => i.content.query ?? '');
    for (const name of Object.values(METRIC)) {
      expect({ name, used: queries.some((q) => q.includes(`'${name}'`)) }).toEqual({ name, used: true });
      expect(compiledText).toContain(name);
    }
    expect(queries.some((q) => /requests[\s\S]*success == false/.test(q))).toBe(true);
    const wb = findResources(compiled, 'Microsoft.Insights/workbooks');
    expect(wb).toHaveLength(1);
    expect(wb[0]?.properties?.['category']).toBe('workbook');
  });

  it('alert rules cover invocation failures, poison/abandoned heal checks, outbox drops, budget, silence', () => {
    expect(Object.keys(alerts.rules).sort()).toEqual(
      [
        'budgetExhausted',
        'doctorFailed',
        'invocationFailures',
        'noEvents',
        'outboxDrops',
        'poisonOrDeadLettered',
      ].sort(),
    );
    expect(alerts.rules['outboxDrops']?.query).toContain(`'${METRIC.outboxDrops}'`);
    expect(alerts.rules['budgetExhausted']?.query).toContain(`'${METRIC.budgetUsed}'`);
    expect(alerts.rules['poisonOrDeadLettered']?.query).toContain(`'${METRIC.healChecksAbandoned}'`);
    expect(alerts.rules['noEvents']?.query).toContain(`'${METRIC.events}'`);
    for (const rule of Object.values(alerts.rules)) expect(rule.query).toMatch(/summarize hits = /);
    const rules = findResources(compiled, 'Microsoft.Insights/scheduledQueryRules');
    expect(rules).toHaveLength(1);
    // One rule per entry; the silence rule only when the event subscription is deployed.
    expect(String(rules[0]?.copy?.count)).toMatch(/ruleNames/);
    const ruleNames = String((compiled as unknown as { variables: Record<string, unknown> }).variables['ruleNames']);
    expect(ruleNames).toMatch(/noEvents/);
    expect(ruleNames).toMatch(/eventWiringDeployed/);
  });

  it('Event Grid dead-lettering is a metric alert on the system topic', () => {
    const metric = findResources(compiled, 'Microsoft.Insights/metricAlerts');
    expect(metric).toHaveLength(1);
    expect(alerts.deadLetterMetric.metricName).toBe('DeadLetteredCount');
    expect(JSON.stringify(metric[0]?.properties)).toContain('Microsoft.EventGrid/systemTopics');
  });

  it('the audit reader grant is Storage Table Data Reader, to a group, only when named', () => {
    const grants = findResources(compiled, 'Microsoft.Authorization/roleAssignments');
    expect(grants).toHaveLength(1);
    expect(String(grants[0]?.condition)).toMatch(/auditReaderGroupObjectId/);
    expect(grants[0]?.properties?.['principalType']).toBe('Group');
    expect(compiledText).toContain('76199698-9eea-4c19-bc75-cec21354c6b6');
  });
});
