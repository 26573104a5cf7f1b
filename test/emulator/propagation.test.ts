/**
 * Propagation drawn per role assignment: fixed, or from a distribution set in the world; deterministic (the same world
 * gives the same delays), through @azure/arm-authorization and the emulator's pull verdict.
 */
import type { World } from '../../emulator/api';
import { loadWorld } from '../../emulator/world';
import { validateWorld } from '../../emulator/world';
import { drawPropagationDelayMs, drawUnit } from '../../emulator/state/propagation';
import { startTestEmulator } from '../helpers/emulator';
import { REGISTRY_ID, SHARED_SUB, UAI_PRINCIPAL } from '../worlds/build-worlds';

const ACR_PULL = `/subscriptions/${SHARED_SUB}/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d`;
const IMAGE = 'acmeacr.azurecr.io/api:1.4.2';
const ids = Array.from({ length: 400 }, (_, i) => `/providers/Microsoft.Authorization/roleAssignments/${i}`);

describe('propagation models', () => {
  test('draws are deterministic, in [0, 1), and spread out', () => {
    const u = ids.map((id) => drawUnit('seed', id));
    expect(ids.map((id) => drawUnit('seed', id))).toEqual(u);
    expect(u.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(u.filter((x) => x < 0.5).length).toBeGreaterThan(150);
    expect(u.filter((x) => x < 0.5).length).toBeLessThan(250);
    expect(drawUnit('other seed', ids[0] as string)).not.toBe(u[0]);
  });

  test('fixed, uniform (within bounds) and lognormal (median near medianMs, capped)', () => {
    expect(drawPropagationDelayMs({ distribution: 'fixed', delayMs: 1234 }, 'x')).toBe(1234);
    expect(drawPropagationDelayMs(5000, 'x')).toBe(5000);
    const uni = ids.map((id) => drawPropagationDelayMs({ distribution: 'uniform', minMs: 30_000, maxMs: 900_000 }, id));
    expect(Math.min(...uni)).toBeGreaterThanOrEqual(30_000);
    expect(Math.max(...uni)).toBeLessThanOrEqual(900_000);
    const logn = ids
      .map((id) =>
        drawPropagationDelayMs({ distribution: 'lognormal', medianMs: 120_000, sigma: 0.8, maxMs: 900_000 }, id),
      )
      .sort((a, b) => a - b);
    const median = logn[logn.length / 2] as number;
    expect(median).toBeGreaterThan(90_000);
    expect(median).toBeLessThan(160_000);
    expect(Math.max(...logn)).toBeLessThanOrEqual(900_000);
  });

  test('a world with a bad model is refused, naming the field', () => {
    expect(() =>
      validateWorld({ resources: [], propagation: { distribution: 'uniform', minMs: 10, maxMs: 5 } }),
    ).toThrow(/propagation.maxMs must be >= minMs/);
    expect(() => validateWorld({ resources: [], propagation: { distribution: 'gamma' } })).toThrow(
      /propagation.distribution/,
    );
  });

  test('each new assignment takes effect after its own drawn delay (world model), and the snapshot keeps the model', async () => {
    const world: World = {
      ...loadWorld('test/worlds/missing-role.json'),
      propagation: { distribution: 'uniform', minMs: 60_000, maxMs: 600_000, seed: 'test' },
    };
    const t = await startTestEmulator(world, { subscriptionId: SHARED_SUB });
    try {
      const name = '77777777-7777-4777-8777-777777777777';
      const ra = await t.authorization.roleAssignments.create(REGISTRY_ID, name, {
        roleDefinitionId: ACR_PULL,
        principalId: UAI_PRINCIPAL,
      });
      const delay = drawPropagationDelayMs(world.propagation, ra.id as string);
      expect(delay).toBeGreaterThanOrEqual(60_000);
      t.clock.advance(delay - 1);
      expect(t.canPull(UAI_PRINCIPAL, IMAGE).ok).toBe(false);
      t.clock.advance(1);
      expect(t.canPull(UAI_PRINCIPAL, IMAGE).ok).toBe(true);
      expect(t.snapshot().propagation).toEqual(world.propagation);
    } finally {
      await t.stop();
    }
  });

  test('the propagation option wins over the world', async () => {
    const world: World = {
      ...loadWorld('test/worlds/missing-role.json'),
      propagation: { distribution: 'fixed', delayMs: 600_000 },
    };
    const t = await startTestEmulator(world, {
      subscriptionId: SHARED_SUB,
      propagation: { distribution: 'fixed', delayMs: 30_000 },
    });
    try {
      await t.authorization.roleAssignments.create(REGISTRY_ID, '66666666-6666-4666-8666-666666666666', {
        roleDefinitionId: ACR_PULL,
        principalId: UAI_PRINCIPAL,
      });
      t.clock.advance(30_000);
      expect(t.canPull(UAI_PRINCIPAL, IMAGE).ok).toBe(true);
    } finally {
      await t.stop();
    }
  });
});
