/** One figure a benchmark reports. Ratios are against a reference measured in the same run. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  target?: string;
  ratio?: number;
  note?: string;
}
