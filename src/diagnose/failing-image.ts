/**
 * Which image failed, when a revision pulls several (containers and init containers, maybe from several registries):
 * the error text decides, one failure per image; the first listed is the story unless a login server is in focus
 * (the pipeline's second look at the same revision for another registry). Pure.
 */
import {
  loginServerOf,
  matchPullErrors,
  parseImageReference,
  type ImageReference,
  type PullErrorMatch,
} from './messages';

/** The pull error of `focus` (a login server) in `text`, else the first one listed. */
export function pickPullError(text: string | undefined, focus?: string): PullErrorMatch | undefined {
  const all = matchPullErrors(text);
  return (focus ? all.find((m) => loginServerOf(m) === focus.toLowerCase()) : undefined) ?? all[0];
}

/** The other images of `text` failing from another registry than `loginServer`: one per registry, in order. */
export function otherFailingImages(
  text: string | undefined,
  loginServer: string | undefined,
): Array<{ image: string; loginServer: string; error: PullErrorMatch['kind'] }> {
  const out: Array<{ image: string; loginServer: string; error: PullErrorMatch['kind'] }> = [];
  for (const m of matchPullErrors(text)) {
    const server = loginServerOf(m);
    if (!server || server === loginServer || out.some((o) => o.loginServer === server)) continue;
    out.push({ image: m.image?.image ?? server, loginServer: server, error: m.kind });
  }
  return out;
}

/**
 * The other images of `text` failing from the SAME registry as `pull` (a sidecar next to the main container): one
 * story with it — the same fix covers those failing the same way (`error` tells which).
 */
export function sameRegistryImages(
  text: string | undefined,
  pull: PullErrorMatch,
  loginServer: string | undefined,
): Array<{ image: string; error: PullErrorMatch['kind'] }> {
  if (!loginServer || !pull.image) return [];
  const out: Array<{ image: string; error: PullErrorMatch['kind'] }> = [];
  for (const m of matchPullErrors(text)) {
    const image = m.image?.image;
    if (!image || loginServerOf(m) !== loginServer || image === pull.image.image) continue;
    if (!out.some((o) => o.image === image)) out.push({ image, error: m.kind });
  }
  return out;
}

/** Pick the failing image: the one the error names, else the revision's image on the error's registry/container. */
export function pickFailingImage(
  pull: PullErrorMatch,
  containers: ReadonlyArray<{ name: string; image: string }>,
): { image?: ImageReference; containerName?: string } {
  const parsed = containers.map((c) => ({ name: c.name, ref: parseImageReference(c.image) }));
  if (pull.image) {
    const c = parsed.find(
      (p) => p.ref && p.ref.loginServer === pull.image?.loginServer && p.ref.repository === pull.image?.repository,
    );
    return {
      image: pull.image,
      ...(c ? { containerName: c.name } : pull.containerName ? { containerName: pull.containerName } : {}),
    };
  }
  if (pull.containerName) {
    const c = parsed.find((p) => p.name === pull.containerName && p.ref);
    if (c?.ref) return { image: c.ref, containerName: c.name };
  }
  if (pull.loginServer) {
    const c =
      parsed.find(
        (p) =>
          p.ref && p.ref.loginServer === pull.loginServer && (!pull.repository || p.ref.repository === pull.repository),
      ) ?? parsed.find((p) => p.ref && p.ref.loginServer === pull.loginServer);
    if (c?.ref) return { image: c.ref, containerName: c.name };
    return {};
  }
  const first = parsed.find((p) => p.ref);
  return first?.ref ? { image: first.ref, containerName: first.name } : {};
}
