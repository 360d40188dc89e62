/** A `medrwr` subcommand: its name, a one-line summary, its usage text and what it does with argv. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  run(argv: string[]): Promise<number>;
}

/** Thrown for bad command-line input; the CLI prints the message and the command's usage, and exits 2. */
export class UsageError extends Error {}
