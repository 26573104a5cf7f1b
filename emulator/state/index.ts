/**
 * The emulator's in-memory ARM: the resource store (store.ts) with its three engines — RBAC (rbac.ts), registry pulls
 * (acr.ts) and the Container Apps lifecycle (container-apps.ts). No HTTP here: see ../http and ../providers.
 */
import type { PropagationModel, World } from '../api';
import { AcrPulls, type PullVerdict } from './acr';
import { ContainerAppsLifecycle } from './container-apps';
import { JobRuns } from './job-runs';
import { KeyVaultReads } from './key-vault';
import { PolicyEngine } from './policy';
import { RbacEngine } from './rbac';
import { ResourceStore, type Resource } from './store';

export { NotFoundError, type Resource } from './store';
export type { PullVerdict } from './acr';

export class EmulatorState extends ResourceStore {
  readonly rbac: RbacEngine;
  readonly acr: AcrPulls;
  readonly apps: ContainerAppsLifecycle;
  readonly keyVault: KeyVaultReads;
  readonly jobs: JobRuns;
  readonly policy: PolicyEngine;

  constructor(world: World, opts: { propagationDelayMs?: number; propagation?: PropagationModel } = {}) {
    super(world);
    this.rbac = new RbacEngine(this, opts.propagation ?? opts.propagationDelayMs ?? world.propagation);
    this.acr = new AcrPulls(this, this.rbac);
    this.keyVault = new KeyVaultReads(this, this.rbac);
    this.apps = new ContainerAppsLifecycle(this, this.acr, this.keyVault);
    this.jobs = new JobRuns(this, this.apps);
    this.policy = new PolicyEngine(this, this.rbac);
  }

  /** The emulator's verdict on pulling `image` with `principalId` (undefined = anonymous / no usable identity). */
  canPull(principalId: string | undefined, image: string): PullVerdict {
    return this.acr.canPull(principalId, image);
  }

  /** Evaluate every image of `template` for `app` (used by the world builders to precompute revision states). */
  evaluateTemplate(
    app: Resource,
    template: Record<string, unknown>,
  ): { ok: true } | { ok: false; provisioningError: string } {
    return this.apps.evaluateTemplate(app, template);
  }
}
