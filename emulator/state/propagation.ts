/**
 * How long a new role assignment takes to take effect, drawn per assignment: a fixed delay, or a distribution set in
 * the world (`propagation`) or the emulator options. Deterministic: the draw is a hash of the seed and the assignment
 * id, so the same world gives the same delays in every run and every process.
 */
import { createHash } from 'node:crypto';
import type { PropagationModel } from '../api';

const DEFAULT_DELAY_MS = 5 * 60_000;

/** A number in [0, 1) from the seed and the key (SHA-256, 52 bits). */
export function drawUnit(seed: string, key: string): number {
  const h = createHash('sha256').update(`${seed}\u0000${key.toLowerCase()}`).digest();
  return (h.readUIntBE(0, 6) * 2 ** 4 + (h.readUInt8(6) >> 4)) / 2 ** 52;
}

/** Standard normal quantile (Acklam's rational approximation, |error| < 1.2e-9). */
function normalQuantile(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
  ];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const q = Math.min(Math.max(p, 1e-12), 1 - 1e-12);
  const poly = (k: number[], x: number): number => k.reduce((acc, v) => acc * x + v, 0);
  if (q < 0.02425) {
    const r = Math.sqrt(-2 * Math.log(q));
    return poly(c, r) / (poly(d, r) * r + 1);
  }
  if (q > 1 - 0.02425) {
    const r = Math.sqrt(-2 * Math.log(1 - q));
    return -poly(c, r) / (poly(d, r) * r + 1);
  }
  const r = q - 0.5;
  const s = r * r;
  return (poly(a, s) * r) / (poly(b, s) * s + 1);
}

/** Problems with a propagation model (empty when valid), for world validation. */
export function checkPropagationModel(m: unknown, at = 'propagation'): string[] {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return [`"${at}" must be an object`];
  const v = m as Record<string, unknown>;
  const nonNegative = (k: string): string[] =>
    typeof v[k] === 'number' && Number.isFinite(v[k]) && v[k] >= 0 ? [] : [`${at}.${k} must be a number >= 0`];
  switch (v['distribution']) {
    case 'fixed':
      return nonNegative('delayMs');
    case 'uniform': {
      const p = [...nonNegative('minMs'), ...nonNegative('maxMs')];
      if (p.length === 0 && (v['maxMs'] as number) < (v['minMs'] as number)) p.push(`${at}.maxMs must be >= minMs`);
      return p;
    }
    case 'lognormal': {
      const p = [...nonNegative('medianMs'), ...nonNegative('sigma')];
      if (v['maxMs'] !== undefined) p.push(...nonNegative('maxMs'));
      return p;
    }
    default:
      return [`${at}.distribution must be "fixed", "uniform" or "lognormal"`];
  }
}

/** The delay of one assignment (by id) under the model; a plain number is a fixed delay. */
export function drawPropagationDelayMs(model: PropagationModel | number | undefined, assignmentId: string): number {
  if (model === undefined) return DEFAULT_DELAY_MS;
  if (typeof model === 'number') return model;
  const seed = model.seed ?? 'propagation';
  switch (model.distribution) {
    case 'fixed':
      return model.delayMs;
    case 'uniform':
      return Math.round(model.minMs + drawUnit(seed, assignmentId) * (model.maxMs - model.minMs));
    case 'lognormal': {
      const ms = model.medianMs * Math.exp(model.sigma * normalQuantile(drawUnit(seed, assignmentId)));
      return Math.round(model.maxMs !== undefined ? Math.min(ms, model.maxMs) : ms);
    }
    default: {
      const never: never = model;
      throw new Error(`unknown propagation model ${JSON.stringify(never)}`);
    }
  }
}
