/**
 * Sorted runs of access keys, and their merge: the form in which the long-term keys of a CloudTrail
 * read travel from the worker threads to the calling thread and on to the summary. Each worker
 * sorts its own keys (in parallel with the others, `key-table.ts`); the calling thread then merges
 * the runs in linear time per run into the summary's sorted map, instead of inserting every key
 * into a `Map` (twice) and sorting them all again (measured on the many-keys trail: that was most
 * of the serial work left after the workers end).
 *
 * Tie rule (the same as `ActivityAccumulator.recordAccessKey` applied in the runs' order): a key in
 * several runs keeps its latest time, and on equal times the user of the earliest run.
 */
import { IamRefineError } from '../errors.js';

/**
 * Access keys in columns, sorted by key ID (code unit order) with each ID once: key `ids[i]` was
 * last used at `last[i]` by `users[user[i]]`. Never changed once made (runs are shared).
 */
export interface KeyRun {
  readonly ids: readonly string[];
  readonly users: readonly string[];
  readonly user: ArrayLike<number>;
  readonly last: ArrayLike<number>;
}

/** A run of no keys. */
export const EMPTY_KEY_RUN: KeyRun = { ids: [], users: [], user: [], last: [] };

/**
 * Calls `emit` with every key of `runs` once, in order of key ID, with its latest time and its
 * user (see the module comment for ties). Runs are merged two by two (neighbours, so that the
 * earlier run stays first): O(n log k) for n keys in k runs.
 */
export function mergeKeyRuns(
  runs: readonly KeyRun[],
  emit: (id: string, userArn: string, last: number) => void,
): void {
  let level = runs.filter((r) => r.ids.length > 0);
  while (level.length > 2) {
    const next: KeyRun[] = [];
    for (let i = 0; i < level.length; i += 2) {
      next.push(i + 1 < level.length ? mergeTwo(level[i]!, level[i + 1]!) : level[i]!);
    }
    level = next;
  }
  if (level.length === 0) return;
  const a = level[0]!;
  const b = level[1] ?? EMPTY_KEY_RUN;
  const ai = a.ids;
  const bi = b.ids;
  let i = 0;
  let j = 0;
  while (i < ai.length && j < bi.length) {
    const x = ai[i]!;
    const y = bi[j]!;
    if (x < y) {
      emit(x, a.users[a.user[i]!]!, a.last[i]!);
      i++;
    } else if (y < x) {
      emit(y, b.users[b.user[j]!]!, b.last[j]!);
      j++;
    } else {
      // Later wins; on a tie, the earlier run.
      if (b.last[j]! > a.last[i]!) emit(x, b.users[b.user[j]!]!, b.last[j]!);
      else emit(x, a.users[a.user[i]!]!, a.last[i]!);
      i++;
      j++;
    }
  }
  for (; i < ai.length; i++) emit(ai[i]!, a.users[a.user[i]!]!, a.last[i]!);
  for (; j < bi.length; j++) emit(bi[j]!, b.users[b.user[j]!]!, b.last[j]!);
}

/** The merge of two runs into one (`a` the earlier). */
function mergeTwo(a: KeyRun, b: KeyRun): KeyRun {
  const n = a.ids.length + b.ids.length;
  const ids: string[] = [];
  const user = new Int32Array(n);
  const last = new Float64Array(n);
  const offset = a.users.length;
  const ai = a.ids;
  const bi = b.ids;
  let i = 0;
  let j = 0;
  let k = 0;
  const fromA = (): void => {
    ids.push(ai[i]!);
    user[k] = a.user[i]!;
    last[k++] = a.last[i++]!;
  };
  const fromB = (): void => {
    ids.push(bi[j]!);
    user[k] = b.user[j]! + offset;
    last[k++] = b.last[j++]!;
  };
  while (i < ai.length && j < bi.length) {
    const x = ai[i]!;
    const y = bi[j]!;
    if (x < y) fromA();
    else if (y < x) fromB();
    else if (b.last[j]! > a.last[i]!) {
      i++;
      fromB();
    } else {
      j++;
      fromA();
    }
  }
  while (i < ai.length) fromA();
  while (j < bi.length) fromB();
  return {
    ids,
    users: [...a.users, ...b.users],
    user: user.subarray(0, k),
    last: last.subarray(0, k),
  };
}

/**
 * The keys of `ids`, `users`, `user`, `last` (columns as in {@link KeyRun}, in the order they were
 * recorded, IDs in any order and possibly repeated) as a run: sorted, each ID once with its
 * latest time (on equal times, its first user). Columns that are already a run are returned as
 * they are (checked in linear time).
 *
 * @throws IamRefineError when the columns have different lengths or a user index points nowhere.
 */
export function toKeyRun(
  ids: readonly string[],
  users: readonly string[],
  user: ArrayLike<number>,
  last: ArrayLike<number>,
): KeyRun {
  const n = ids.length;
  if (user.length !== n || last.length !== n) {
    throw new IamRefineError('access key columns of different lengths');
  }
  let sorted = true;
  for (let i = 0; i < n; i++) {
    const u = user[i]!;
    if (!Number.isInteger(u) || u < 0 || u >= users.length) {
      throw new IamRefineError(`access key ${i} has no user (index ${u})`);
    }
    if (i > 0 && !(ids[i - 1]! < ids[i]!)) sorted = false;
  }
  if (sorted) return { ids, users, user, last };
  // Stable: equal IDs stay in the order recorded.
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) =>
    ids[x]! < ids[y]! ? -1 : ids[x]! > ids[y]! ? 1 : x - y,
  );
  const outIds: string[] = [];
  const outUser: number[] = [];
  const outLast: number[] = [];
  for (const i of order) {
    const k = outIds.length - 1;
    if (k >= 0 && outIds[k] === ids[i]) {
      if (last[i]! > outLast[k]!) {
        outLast[k] = last[i]!;
        outUser[k] = user[i]!;
      }
    } else {
      outIds.push(ids[i]!);
      outUser.push(user[i]!);
      outLast.push(last[i]!);
    }
  }
  return { ids: outIds, users, user: outUser, last: outLast };
}
