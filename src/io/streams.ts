/**
 * The process-level streams the commands and the layers below them write to, as small interfaces
 * so that everything runs in-process in tests with captured streams.
 */

/** Something text can be written to. */
export interface TextSink {
  write(text: string): unknown;
}

/** The process-level resources the CLI uses, injectable for tests. */
export interface CliIo {
  /** Standard output: only the command's result goes here. */
  stdout: TextSink;
  /** Standard error: messages, warnings, notices. */
  stderr: TextSink;
  /** Standard input, read when a file argument is `-`. */
  stdin: AsyncIterable<string | Uint8Array> | string;
  /** Whether stdout is a terminal (colour is used only then). */
  isTTY: boolean;
  /** Environment variables (`NO_COLOR` is honoured). */
  env: Readonly<Record<string, string | undefined>>;
  /**
   * How to print an iam-refine command the user can paste here (`iam-refine`, `node
   * bin/iam-refine.js`, `node_modules/.bin/iam-refine`); `iam-refine` when absent.
   */
  command?: string;
}
