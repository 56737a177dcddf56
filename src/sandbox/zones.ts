/** Time zones for the sandbox, the demo and tests. */

/**
 * An Etc/GMT zone where it is `localHour` o'clock at `at`: a member "awake now" for the demo and for
 * tests of quiet hours, whatever the hour the process runs at.
 */
export function zoneWhereItIs(localHour: number, at: number): string {
  let shift = localHour - new Date(at).getUTCHours();
  if (shift > 14) shift -= 24;
  if (shift < -12) shift += 24;
  return shift === 0 ? 'Etc/GMT' : `Etc/GMT${shift > 0 ? '-' : '+'}${Math.abs(shift)}`;
}
