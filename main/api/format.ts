/**
 * DICOM values as people read them, for the screen and the reports alike (PS3.5 6.2: PN, DA, TM, AS). Raw values
 * that do not parse are shown as they are rather than guessed at.
 */

/** "DOE^JANE^M" → "DOE, JANE M"; alphabetic group only; '' → "(no name)". */
export function formatPersonName(pn: string): string {
  const [family = '', given = '', middle = ''] = pn.split('=')[0]!.split('^').map((s) => s.trim());
  const rest = [given, middle].filter(Boolean).join(' ');
  return rest ? `${family}, ${rest}` : family || '(no name)';
}

/**
 * A DA value in DICOM's own form: "1999.05.24" (ACR-NEMA 2.0's form, which DICOM kept readable for old files and
 * which real archives still hold) → "19990524", so that such dates sort and filter with the rest; anything else trimmed.
 */
export function normaliseDicomDate(da: string): string {
  const m = /^(\d{4})\.(\d{2})\.(\d{2})$/.exec(da.trim());
  return m ? `${m[1]}${m[2]}${m[3]}` : da.trim();
}

/** Year, month and day of a DA value in either form, as written; null when it is neither. */
function dateParts(da: string): [string, string, string] | null {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(normaliseDicomDate(da));
  return m ? [m[1]!, m[2]!, m[3]!] : null;
}

/** "20260101" (or the old "2026.01.01") → "2026-01-01" (ISO order: unambiguous in every locale); anything else unchanged. */
export function formatDicomDate(da: string): string {
  return dateParts(da)?.join('-') ?? da.trim();
}

/** Age in whole years at a date, both DICOM DA; null when either is missing or malformed. */
export function ageAt(birthDate: string, onDate: string): number | null {
  const b = dateParts(birthDate);
  const d = dateParts(onDate);
  if (!b || !d) return null;
  const [by, bm, bd] = b.map(Number) as [number, number, number];
  const [dy, dm, dd] = d.map(Number) as [number, number, number];
  const age = dy - by - (dm < bm || (dm === bm && dd < bd) ? 1 : 0);
  return age >= 0 && age < 150 ? age : null;
}

/** "M" → "male"; O and others spelled out; '' stays ''. */
export function formatSex(cs: string): string {
  return ({ M: 'male', F: 'female', O: 'other' } as Record<string, string>)[cs.trim().toUpperCase()] ?? cs.trim();
}

/** An ISO timestamp in the reader's own time zone, to the minute, with the zone named: "2026-12-02 04:31 UTC". */
export function formatTimestamp(iso: string, timeZone?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false, timeZoneName: 'short' }).formatToParts(d);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour') === '24' ? '00' : get('hour')}:${get('minute')} ${get('timeZoneName')}`;
}
