/** Digests: one message standing for every further event of a storm within a window. Pure. */
import type { Digest, DigestGroup, SummaryFact } from './message-types';
import { wordsForPeople } from './people';

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** One message standing for every further event of a group within a window. */
export function buildDigest(group: DigestGroup): Digest {
  const first = group.first;
  const isHeal = first.type === 'heal';
  let text: string;
  const more = group.includesFirst ? '' : 'more ';
  if (group.revisions > 0) {
    const verb = isHeal
      ? first.heal === 'healed'
        ? group.includesFirst
          ? 'healed'
          : 'healed the same way'
        : 'had the same heal result'
      : 'failed for the same reason';
    text = `${plural(group.revisions, `${more}revision`, `${more}revisions`)} of ${plural(Math.max(group.apps.length, 1), 'app', 'apps')} ${verb}`;
  } else {
    text = `${plural(group.count, `${more}event`, `${more}events`)} ${isHeal ? 'had the same heal result' : 'had the same cause'}`;
  }
  const shownApps = group.apps.slice(0, 20);
  const facts: SummaryFact[] = [
    { title: group.includesFirst ? 'Events' : 'More events', value: String(group.count) },
    { title: 'Window', value: `${group.window.start} – ${group.window.end}` },
  ];
  if (group.revisions > 0) facts.push({ title: 'Revisions', value: String(group.revisions) });
  if (shownApps.length > 0)
    facts.push({
      title: 'Apps',
      value: shownApps.join(', ') + (group.apps.length > shownApps.length ? `, … (${group.apps.length} in all)` : ''),
    });
  facts.push({ title: 'First message', value: first.title });
  facts.push({ title: 'Mode', value: first.mode });
  return {
    type: 'digest',
    key: group.key,
    // More failures are never "good" news: only the first one's fix is known here.
    status: isHeal ? first.status : first.status === 'attention' ? 'attention' : 'warning',
    title: `${isHeal ? 'Heal digest' : 'Digest'} · ${first.title}`,
    text: `${text}.`,
    why: first.type === 'summary' ? wordsForPeople(first.why) : first.text,
    count: group.count,
    apps: [...group.apps],
    revisions: group.revisions,
    window: { ...group.window },
    facts,
    links: first.links.slice(0, 3),
    mode: first.mode,
  };
}
