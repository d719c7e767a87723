/** @module core/tasks/reverter: undoes the completed steps of a multi-step operation on failure. */

/** An undo step that failed while reverting, with the label it was added under. */
export interface RevertFailure {
  readonly label: string
  readonly error: unknown
}

interface UndoStep {
  readonly label: string
  readonly undo: () => Promise<void> | void
}

/**
 * Collects undo steps as an operation makes changes, and runs them in reverse order if the
 * operation does not reach {@link Reverter.success}:
 * `const revert = new Reverter(); try { ...; revert.add(undo); ...; revert.success() } finally { await revert.fail() }`.
 * It logs nothing and never throws from `fail()`: failed undos are in {@link Reverter.failures}.
 */
export class Reverter {
  private readonly steps: UndoStep[] = []
  private readonly failed: RevertFailure[] = []
  private state: 'collecting' | 'succeeded' | 'reverted' = 'collecting'

  /**
   * Registers how to undo the step just completed.
   * @throws Error after success() or fail(): adding then is a bug that would leak the change.
   */
  add(undo: () => Promise<void> | void, label?: string): void {
    if (this.state !== 'collecting') {
      throw new Error(
        `Reverter: cannot add an undo step after ${this.state === 'succeeded' ? 'success()' : 'fail()'}`,
      )
    }
    this.steps.push({ undo, label: label ?? `undo #${this.steps.length + 1}` })
  }

  /** Marks the operation complete: a later fail() does nothing. */
  success(): void {
    if (this.state === 'collecting') this.state = 'succeeded'
  }

  /**
   * Unless success() was called, runs every undo step once, newest first, awaiting each and
   * carrying on past ones that throw. Calling it again does nothing.
   */
  async fail(): Promise<void> {
    if (this.state !== 'collecting') return
    this.state = 'reverted'
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step.undo()
      } catch (error) {
        this.failed.push({ label: step.label, error })
      }
    }
  }

  /** Whether fail() ran the undo steps. */
  get reverted(): boolean {
    return this.state === 'reverted'
  }

  /** The undo steps that threw during fail(), in the order they ran. */
  get failures(): readonly RevertFailure[] {
    return [...this.failed]
  }
}
