// A confusion matrix over integer class labels: counts[label][predicted], accuracy, per-class
// recall, and a plain-text table.

export class ConfusionMatrix {
  /** row-major classes x classes: counts[label * classes + predicted] */
  readonly counts: Int32Array;

  constructor(readonly classes: number) {
    if (!Number.isInteger(classes) || classes < 1) throw new RangeError(`a confusion matrix needs at least one class, got ${classes}`);
    this.counts = new Int32Array(classes * classes);
  }

  /** Counts one sample; `what` names it in the error for a label outside [0, classes). */
  add(label: number, predicted: number, what = 'sample'): void {
    if (!Number.isInteger(label) || label < 0 || label >= this.classes) {
      throw new RangeError(`${what}: label ${label} is outside the model's ${this.classes} classes [0, ${this.classes - 1}]`);
    }
    if (!Number.isInteger(predicted) || predicted < 0 || predicted >= this.classes) {
      throw new RangeError(`${what}: predicted class ${predicted} is outside [0, ${this.classes - 1}]`);
    }
    this.counts[label * this.classes + predicted]!++;
  }

  get total(): number {
    return this.counts.reduce((a, b) => a + b, 0);
  }

  get correct(): number {
    let c = 0;
    for (let k = 0; k < this.classes; k++) c += this.counts[k * this.classes + k]!;
    return c;
  }

  get accuracy(): number {
    const t = this.total;
    return t ? this.correct / t : 0;
  }

  /** Share of the samples of class `c` predicted as `c` (NaN when the class has no samples). */
  recall(c: number): number {
    let row = 0;
    for (let p = 0; p < this.classes; p++) row += this.counts[c * this.classes + p]!;
    return row ? this.counts[c * this.classes + c]! / row : NaN;
  }

  /** The matrix as rows (true label) of counts per predicted class. */
  rows(): number[][] {
    return Array.from({ length: this.classes }, (_, l) => Array.from(this.counts.subarray(l * this.classes, (l + 1) * this.classes)));
  }

  /**
   * Rows are true classes, columns predicted classes (by index, so columns stay narrow), with
   * each row's recall at the end; rows also show the class names when given.
   */
  format(names?: readonly string[]): string {
    const label = (k: number) => (names?.[k] !== undefined && names[k] !== String(k) ? `${k} ${names[k]}` : String(k));
    const labelWidth = Math.max(4, ...Array.from({ length: this.classes }, (_, k) => label(k).length));
    const width = Math.max(...Array.from(this.counts, (v) => String(v).length), String(this.classes - 1).length) + 1;
    const lines = [`${'true'.padEnd(labelWidth)} | predicted`];
    lines.push(`${''.padEnd(labelWidth)} |${Array.from({ length: this.classes }, (_, k) => String(k).padStart(width)).join('')} | recall`);
    lines.push(`${'-'.repeat(labelWidth)}-+${'-'.repeat(width * this.classes)}-+-------`);
    for (let l = 0; l < this.classes; l++) {
      const row = Array.from(this.counts.subarray(l * this.classes, (l + 1) * this.classes), (v) => String(v).padStart(width)).join('');
      const r = this.recall(l);
      lines.push(`${label(l).padEnd(labelWidth)} |${row} | ${Number.isNaN(r) ? '   -' : `${(100 * r).toFixed(1)}%`}`);
    }
    return lines.join('\n');
  }
}
