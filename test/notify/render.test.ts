/**
 * Summaries and renderers: every diagnosis kind, both modes, both channels. Teams cards are parsed and validated by
 * the `adaptivecards` library itself; Slack messages are checked against Block Kit limits.
 */
import {
  buildDigest,
  buildGroupKey,
  buildHealFollowUp,
  buildPortalUrl,
  buildSummary,
  DETAILS_ID,
  formatDurationMs,
  hasArmId,
  wordsForPeople,
  renderSlack,
  renderTeams,
  TEAMS_MAX_BYTES,
  type NotificationMessage,
  type TeamsMessage,
} from '../../src/notify';
import { makeEvent, makeOutcome, NOTIFIED_KINDS, PRINCIPAL, REGISTRY_ID, TENANT, appIdOf } from './fixtures';
import { checkSlackLimits, textsOfBlocks, validateTeams } from './validate';

const NOW = new Date('2026-11-21T10:00:05Z');

describe('the adaptivecards validator used here can fail', () => {
  it('reports an unknown element and an invalid property value', () => {
    const bad = {
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          contentUrl: null,
          content: { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'Bogus' }, { type: 'Image' }], actions: [] },
        },
      ],
    } as unknown as TeamsMessage;
    expect(validateTeams(bad).problems.length).toBeGreaterThan(0);
  });
});

describe.each(['dry-run', 'auto-fix'] as const)('every diagnosis kind renders valid messages (%s)', (mode) => {
  it.each(NOTIFIED_KINDS.map((k) => [k]))('%s', (kind) => {
    const outcome = makeOutcome(kind, { mode });
    const event = makeEvent(outcome.eventId);
    const summary = buildSummary(outcome, event, { mode, now: NOW });

    // The summary says what failed, why, with evidence, links and the mode.
    expect(summary.kind).toBe(kind);
    expect(summary.why).toBe(outcome.diagnosis!.summary);
    expect(summary.evidence).toEqual(outcome.diagnosis!.evidence);
    expect(summary.mode).toBe(mode);
    expect(summary.correlationId).toBe(outcome.correlationId);
    expect(summary.links.length).toBeGreaterThan(0);
    for (const l of summary.links)
      expect(l.url.startsWith(`https://portal.azure.com/#@${TENANT}/resource/subscriptions/`)).toBe(true);
    // Fixes are said once in `actions`; manual actions become steps for a person.
    expect(summary.actions).toHaveLength(outcome.actions!.filter((a) => a.status !== 'manual').length);
    expect(hasArmId(summary.headline)).toBe(false);
    for (const f of summary.facts) expect(hasArmId(f.value)).toBe(false);
    for (const m of summary.manualSteps) expect(hasArmId(m)).toBe(false);

    // Teams: a valid Adaptive Card 1.5 with a coloured container, a FactSet and "Open in portal".
    const teams = renderTeams(summary);
    const { problems, roundTrip } = validateTeams(teams);
    expect(problems).toEqual([]);
    const card = teams.attachments[0]!.content;
    expect(card.version).toBe('1.5');
    expect(Buffer.byteLength(JSON.stringify(teams))).toBeLessThanOrEqual(TEAMS_MAX_BYTES);
    expect(card.body[0]).toMatchObject({ type: 'Container', style: summary.status });
    expect(JSON.stringify(card.body).includes('"FactSet"')).toBe(true);
    expect(card.actions[0]).toMatchObject({
      type: 'Action.OpenUrl',
      title: 'Open in portal',
      url: summary.links[0]!.url,
    });
    // Nothing was dropped by the parser.
    expect((roundTrip['body'] as unknown[]).length).toBe(card.body.length);
    // The full diagnosis and every command are behind the details toggle.
    const details = card.body.find((e) => e['id'] === DETAILS_ID)!;
    expect(details).toMatchObject({ type: 'Container', isVisible: false });
    expect(card.actions).toContainEqual(
      expect.objectContaining({ type: 'Action.ToggleVisibility', targetElements: [DETAILS_ID] }),
    );
    const hidden = JSON.stringify(details);
    expect(hidden).toContain(JSON.stringify(outcome.diagnosis!.summary).slice(1, -1));
    for (const c of summary.commands ?? []) expect(hidden).toContain(JSON.stringify(c).slice(1, -1));
    const shown = JSON.stringify(card.body.filter((e) => e !== details));
    expect(hasArmId(shown)).toBe(false);

    // Slack: within limits, with header, fields, context and a portal button.
    const slack = renderSlack(summary);
    checkSlackLimits(slack);
    expect(slack.blocks[0]!.type).toBe('header');
    expect(slack.blocks.some((b) => b.type === 'section' && !!b.fields?.length)).toBe(true);
    expect(slack.blocks.some((b) => b.type === 'context')).toBe(true);
    const actions = slack.blocks.find((b) => b.type === 'actions');
    expect(actions && actions.type === 'actions' && actions.elements[0]).toMatchObject({
      type: 'button',
      url: summary.links[0]!.url,
    });
    expect(slack.text).toContain(summary.title.slice(0, 20));
  });
});

describe('status colour, wording and modes', () => {
  it('auto-fix with applied fixes is good; dry-run is warning and says nothing was changed; manual kinds need attention', () => {
    const applied = buildSummary(makeOutcome('acr-pull/missing-role', { mode: 'auto-fix' }), undefined, {
      mode: 'auto-fix',
      now: NOW,
    });
    expect(applied.status).toBe('good');
    expect(applied.actionsHeading).toBe('What the remediator did');
    expect(applied.actions[0]!.text).toMatch(/^Assigned AcrPull to identity web-pull on contosoacr$/);
    expect(applied.headline).toMatch(/Fixed automatically: assigned AcrPull and .*\.$/);

    const dry = buildSummary(makeOutcome('acr-pull/missing-role', { mode: 'dry-run' }), undefined, {
      mode: 'dry-run',
      now: NOW,
    });
    expect(dry.status).toBe('warning');
    expect(dry.actionsHeading).toBe('Would do in auto-fix (nothing was changed)');
    // Said once: no "Would do … (dry-run: would …)".
    expect(dry.actions[0]!.text).toBe('Assign AcrPull to identity web-pull on contosoacr');
    for (const a of dry.actions) expect(a.text).not.toMatch(/would/i);
    expect(dry.headline).toMatch(/Nothing was changed \(dry-run\); auto-fix would assign AcrPull and /);

    const abac = buildSummary(makeOutcome('acr-pull/abac-role-mismatch', { mode: 'auto-fix' }), undefined, {
      mode: 'auto-fix',
      now: NOW,
    });
    expect(abac.actions[0]!.text).toContain('Container Registry Repository Reader');

    for (const k of [
      'acr-pull/image-not-found',
      'arm-authz/deny-assignment',
      'arm-authz/missing-role',
      'unknown',
    ] as const) {
      expect(buildSummary(makeOutcome(k), undefined, { mode: 'auto-fix', now: NOW }).status).toBe('attention');
    }
    const failed = makeOutcome('acr-pull/missing-role', { mode: 'auto-fix' });
    failed.actions![0]!.status = 'failed';
    expect(buildSummary(failed, undefined, { mode: 'auto-fix', now: NOW }).status).toBe('attention');
  });

  it('says what failed for pulls and for ARM denials', () => {
    const pull = buildSummary(makeOutcome('acr-pull/missing-role'), makeEvent('e'), { mode: 'dry-run', now: NOW });
    expect(pull.headline).toMatch(/^Test diagnosis for acr-pull\/missing-role: the identity web-pull cannot pull/);
    expect(pull.rawDetail).toContain('UNAUTHORIZED');
    const denied = buildSummary(makeOutcome('arm-authz/missing-role'), makeEvent('e'), { mode: 'dry-run', now: NOW });
    expect(denied.headline).toMatch(
      /^Deployer was denied Microsoft.KeyVault\/vaults\/write on kv1\. It needs Key Vault Contributor there \(least privilege\)\. A person must act: assign Key Vault Contributor to Deployer on kv1\.$/,
    );
  });

  it('builds portal links with and without a tenant', () => {
    expect(buildPortalUrl(REGISTRY_ID, TENANT)).toBe(`https://portal.azure.com/#@${TENANT}/resource${REGISTRY_ID}`);
    expect(buildPortalUrl(REGISTRY_ID)).toBe(`https://portal.azure.com/#resource${REGISTRY_ID}`);
  });

  it('formats durations', () => {
    expect(formatDurationMs(130_000)).toBe('2m 10s');
    expect(formatDurationMs(45_000)).toBe('45s');
    expect(formatDurationMs(3_900_000)).toBe('1h 5m');
    expect(formatDurationMs(120_000)).toBe('2m');
  });
});

describe('size limits', () => {
  it('truncates a 100 KB provisioningError gracefully in both channels', () => {
    const outcome = makeOutcome('acr-pull/missing-role');
    const huge = `UNAUTHORIZED: authentication required ${'x'.repeat(100 * 1024)} END-MARKER`;
    outcome.diagnosis!.details.provisioningError = huge;
    outcome.diagnosis!.evidence = Array.from({ length: 60 }, (_, i) => `evidence line ${i}: ${'y'.repeat(2000)}`);
    const summary = buildSummary(outcome, undefined, { mode: 'dry-run', now: NOW });
    expect(summary.rawDetail).toBe(huge);

    const teams = renderTeams(summary);
    const size = Buffer.byteLength(JSON.stringify(teams));
    expect(size).toBeLessThanOrEqual(TEAMS_MAX_BYTES);
    expect(validateTeams(teams).problems).toEqual([]);
    const details = teams.attachments[0]!.content.body.find((e) => e['id'] === DETAILS_ID)!;
    const raw = (details['items'] as Array<Record<string, unknown>>).find(
      (e) => e['fontType'] === 'Monospace' && String(e['text']).startsWith('UNAUTHORIZED'),
    );
    expect(raw?.['text']).toMatch(/^UNAUTHORIZED: authentication required x+…$/);
    expect(JSON.stringify(teams)).not.toContain('END-MARKER');
    // The important parts survive the shrinking.
    expect(JSON.stringify(teams)).toContain(summary.why);
    expect(teams.attachments[0]!.content.actions[0]).toMatchObject({ title: 'Open in portal' });

    const slack = renderSlack(summary);
    checkSlackLimits(slack);
    const all = JSON.stringify(slack);
    expect(all).toContain('…');
    expect(all).not.toContain('END-MARKER');
  });

  it('escapes Slack mrkdwn specials without cutting an entity in half', () => {
    const outcome = makeOutcome('unknown');
    outcome.diagnosis!.details.rawMessage = '<script>&'.repeat(2000);
    const slack = renderSlack(buildSummary(outcome, undefined, { mode: 'dry-run', now: NOW }));
    checkSlackLimits(slack);
    const raw = textsOfBlocks(slack.blocks).find((t) => t.text.startsWith('Error as reported'));
    expect(raw?.text).toContain('&lt;script&gt;&amp;');
    expect(raw?.text).not.toMatch(/<script>/);
    expect(raw?.text).not.toMatch(/&[a-z]{0,3}…/);
  });
});

describe('heal follow-ups and digests', () => {
  const outcome = makeOutcome('acr-pull/missing-role', { mode: 'auto-fix' });

  it('reports "healed in 2m 10s" and what still fails', () => {
    const healed = buildHealFollowUp(
      outcome,
      { status: 'healed', revisionName: 'web--v8', healedAfterMs: 130_000 },
      makeEvent('e'),
      { mode: 'auto-fix', now: NOW },
    );
    expect(healed.status).toBe('good');
    expect(healed.text).toContain('healed in 2m 10s');
    const failing = buildHealFollowUp(
      outcome,
      { status: 'still-failing', revisionName: 'web--v8', detail: 'runningState Failed: MANIFEST_UNKNOWN' },
      undefined,
      { mode: 'auto-fix', now: NOW },
    );
    expect(failing.status).toBe('attention');
    expect(failing.text).toContain('MANIFEST_UNKNOWN');
    for (const m of [healed, failing] as NotificationMessage[]) {
      expect(validateTeams(renderTeams(m)).problems).toEqual([]);
      checkSlackLimits(renderSlack(m));
    }
  });

  it('says "14 more revisions of 3 apps failed for the same reason"', () => {
    const first = buildSummary(outcome, undefined, { mode: 'auto-fix', now: NOW });
    const digest = buildDigest({
      key: 'k',
      first,
      count: 14,
      apps: ['web', 'api', 'jobs'],
      revisions: 14,
      window: { start: '2026-11-21T10:00:00.000Z', end: '2026-11-21T10:01:00.000Z' },
    });
    expect(digest.text).toBe('14 more revisions of 3 apps failed for the same reason.');
    expect(digest.why).toBe(wordsForPeople(first.why));
    expect(hasArmId(digest.why)).toBe(false);
    expect(first.status).toBe('good');
    expect(digest.status).toBe('warning');
    const teams = renderTeams(digest);
    expect(validateTeams(teams).problems).toEqual([]);
    expect(JSON.stringify(teams)).toContain('14 more revisions of 3 apps failed for the same reason.');
    const slack = renderSlack(digest);
    checkSlackLimits(slack);
    expect(JSON.stringify(slack.blocks)).toContain('14 more revisions of 3 apps failed for the same reason.');
  });
});

describe('group keys', () => {
  it('groups pulls by kind + identity principal + registry, denials by kind + caller + scope', () => {
    const a = buildGroupKey(makeOutcome('acr-pull/missing-role', { app: 'web' }), undefined);
    const b = buildGroupKey(makeOutcome('acr-pull/missing-role', { app: 'api' }), undefined);
    const c = buildGroupKey(
      makeOutcome('acr-pull/missing-role', { app: 'api', registryId: `${REGISTRY_ID}2` }),
      undefined,
    );
    expect(a).toBe(b);
    expect(a).toContain(PRINCIPAL);
    expect(c).not.toBe(a);
    // A missing pull role is one story however it shows (abac mismatch, propagating after the first fix) …
    expect(buildGroupKey(makeOutcome('acr-pull/abac-role-mismatch'), undefined)).toBe(a);
    expect(buildGroupKey(makeOutcome('acr-pull/role-propagating', { app: 'api' }), undefined)).toBe(a);
    // … while another cause for the same identity and registry is another story.
    expect(buildGroupKey(makeOutcome('acr-pull/arm-token-auth-disabled'), undefined)).not.toBe(a);
    const d1 = makeOutcome('arm-authz/missing-role');
    const d2 = makeOutcome('arm-authz/missing-role');
    d2.diagnosis!.details.deniedScope = appIdOf('other');
    expect(buildGroupKey(d1, undefined)).not.toBe(buildGroupKey(d2, undefined));
  });
});
