/**
 * The demo community's source: samples of the Ubuntu IRC disentanglement corpus (CC BY 4.0, see
 * assets/demo/ubuntu-irc/ATTRIBUTION.md). Each sample is a few hours of #ubuntu with human reply-to
 * annotations; this file turns one into plain lines with their reply targets.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export interface IrcLine {
  index: number;
  /** Minutes since the sample's first line (midnight rollovers counted). */
  minute: number;
  nick: string;
  text: string;
  /** The earlier line this one replies to (annotation, else "nick:" addressing), or null. */
  replyTo: number | null;
}

const LINE = /^\[(\d\d):(\d\d)\] <([^>]+)> (.*)$/;
/** Bots and channel services are not community members. */
const NOT_MEMBERS = new Set(['ubottu', 'ubotu', 'ChanServ', 'NickServ']);

export function parseIrcSample(rawGz: Buffer, annotationGz: Buffer): IrcLine[] {
  const raw = gunzipSync(rawGz).toString('utf8').split('\n');
  const links = new Map<number, number>();
  for (const row of gunzipSync(annotationGz).toString('utf8').split('\n')) {
    const [from, to] = row.split(' ').map(Number);
    // "i j -": j replies to i; i = j starts a conversation. Keep the nearest earlier target.
    if (from === undefined || to === undefined || Number.isNaN(from) || Number.isNaN(to) || from === to) continue;
    if (!links.has(to) || links.get(to)! < from) links.set(to, from);
  }
  const lines: IrcLine[] = [];
  const lastByNick = new Map<string, number>();
  let dayOffset = 0;
  let previousMinute = -1;
  raw.forEach((row, index) => {
    const match = LINE.exec(row);
    if (!match) return;
    const [, hh, mm, nick, text] = match as unknown as [string, string, string, string, string];
    let minute = Number(hh) * 60 + Number(mm) + dayOffset;
    if (minute < previousMinute - 600) {
      dayOffset += 1440;
      minute += 1440;
    }
    previousMinute = minute;
    if (NOT_MEMBERS.has(nick) || text.startsWith('!')) return;
    let replyTo = links.get(index) ?? null;
    if (replyTo === null) {
      const addressed = /^([\w[\]\\`^{}|-]+)[:,] /.exec(text)?.[1];
      if (addressed && lastByNick.has(addressed)) replyTo = lastByNick.get(addressed)!;
    }
    lines.push({ index, minute, nick, text, replyTo });
    lastByNick.set(nick, index);
  });
  const first = lines[0]?.minute ?? 0;
  return lines.map((l) => ({ ...l, minute: l.minute - first }));
}

export function loadIrcSample(dir: string, name: string): IrcLine[] {
  return parseIrcSample(readFileSync(`${dir}/${name}.raw.txt.gz`), readFileSync(`${dir}/${name}.annotation.txt.gz`));
}
