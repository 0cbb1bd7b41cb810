/**
 * A trace that cannot be replayed: a malformed `spapr_iommu_*` line, or one that contradicts
 * the tables it runs on. Names the file, the line number and the problem in one line, so the
 * command line prints it as a usage error (exit 2) without a stack trace.
 */
export class TraceFormatError extends RangeError {
  readonly code = 'ETRACE';

  constructor(readonly file: string, readonly line: number, readonly problem: string) {
    super(line > 0 ? `${file}:${line}: ${problem}` : `${file}: ${problem}`);
    this.name = 'TraceFormatError';
  }
}
