import type { SearchHighlight } from '../../domain/search-query.ts';

// ts_headline marks matches with these control characters (a catalog text never holds them: they
// are stripped here first), so the text can be HTML-escaped before the marks become <em> tags.
const START = '\u0002';
const STOP = '\u0003';
const MARKS = new RegExp(`[${START}${STOP}]`, 'g');

/** `ts_headline` options per field: the whole name; up to two fragments of the description. */
export const HEADLINE_OPTIONS = {
  name: `StartSel="${START}", StopSel="${STOP}", HighlightAll=true`,
  description: `StartSel="${START}", StopSel="${STOP}", MaxFragments=2, MaxWords=25, MinWords=8, FragmentDelimiter=" … "`,
} as const;

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** A marked headline as safe HTML (`<em>` around matches), or undefined when nothing matched. */
export function headlineToHtml(headline: string | null): string | undefined {
  if (headline === null || !headline.includes(START)) return undefined;
  return headline
    .replace(/[&<>"']/g, (ch) => ESCAPES[ch]!)
    .replaceAll(START, '<em>')
    .replaceAll(STOP, '</em>');
}

/** The hit's highlight: only the fields `q` matched. */
export function toHighlight(headlines: { name: string | null; description: string | null }): SearchHighlight {
  const highlight: SearchHighlight = {};
  const name = headlineToHtml(headlines.name);
  if (name !== undefined) highlight.name = name;
  const description = headlineToHtml(headlines.description);
  if (description !== undefined) highlight.description = description;
  return highlight;
}

/** Removes the highlight marks from text before it is indexed. */
export function withoutMarks(text: string): string {
  return text.replace(MARKS, ' ');
}
