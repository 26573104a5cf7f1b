/**
 * The contract of a resource provider: a module that answers the requests for its resource types. Adding one is a
 * new file exporting a `Provider` and one line in ./index.ts.
 */
import type { Reply, RequestContext } from '../http/context';
import { splitAtProviders } from '../ids';
import type { ArmEvents } from '../http/events';
import type { LongRunningOperations } from '../http/lro';
import type { EmulatorState } from '../state';

/** What ARM gives every provider: the state, the event/Activity Log recorder, LROs and list paging. */
export interface Arm {
  readonly state: EmulatorState;
  /** Raise the Event Grid event (and Activity Log entry) of a write. */
  readonly events: ArmEvents;
  /** Turn a write's first answer into a long-running operation (polling headers). */
  readonly lro: LongRunningOperations;
  /** A list answer (paged when the emulator has a `pageSize`). */
  list(ctx: RequestContext, value: unknown[]): Reply;
  /** The emulator's `pageSize` option (undefined: one page), for providers that page their own way. */
  readonly pageSize?: number | undefined;
}

/**
 * - `any-scope`: asked before ARM checks that the path's subscription and resource group exist (tenant-level paths,
 *   extension resources at any scope such as `/`, a management group or an unknown subscription).
 * - `subscription`: asked after that check, in list order; the generic resources provider comes last.
 */
export type ProviderStage = 'any-scope' | 'subscription';

export interface Provider {
  /** Resource provider namespace(s) it serves, for readers and errors (`Microsoft.App`). */
  readonly name: string;
  readonly stage: ProviderStage;
  /** The answer when the request is this provider's, else undefined (the next provider is asked). May throw HttpError. */
  route(ctx: RequestContext, arm: Arm): Reply | undefined;
}

/** Is this a PUT or PATCH of a top-level resource of `type` (`microsoft.app/containerapps`, lower-cased)? */
export function isWriteOf(ctx: RequestContext, type: string): boolean {
  const { afterProviders, type: t } = splitAtProviders(ctx.path);
  return (ctx.method === 'PUT' || ctx.method === 'PATCH') && t === type && afterProviders === 3;
}
