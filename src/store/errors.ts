/** Errors of the findings store. */
import { IamRefineError } from '../errors.js';

/** What a {@link NotFoundError} is about. */
export type NotFoundKind = 'finding' | 'rule';

/**
 * Unknown finding ids or archive rule name. The message is one line naming every unknown one,
 * e.g. `unknown finding id: 1234..., 5678...`; the CLI exits 2 with it.
 */
export class NotFoundError extends IamRefineError {
  override name = 'NotFoundError';
  /** Whether findings or a rule were not found. */
  readonly kind: NotFoundKind;
  /** The unknown ids or names, in the order given. */
  readonly keys: readonly string[];
  constructor(kind: NotFoundKind, keys: readonly string[]) {
    const what = kind === 'finding' ? 'finding id' : 'archive rule';
    super(`unknown ${what}${keys.length > 1 ? 's' : ''}: ${keys.join(', ')}`);
    this.kind = kind;
    this.keys = keys;
  }
}
