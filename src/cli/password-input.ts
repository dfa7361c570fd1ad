/**
 * password-input.ts reads a password from the first line of stdin, never from argv (argv shows in
 * `ps` and shell history). On a terminal it prompts on stderr and does not echo what is typed.
 */
import { createInterface } from "node:readline";
import { type Readable, Writable } from "node:stream";

/**
 * readPasswordLine returns the first line of `stdin` without its line ending, or undefined when
 * stdin ends before any line. Spaces are kept: they may be part of the password.
 */
export async function readPasswordLine(stdin: Readable, stderr: Writable): Promise<string | undefined> {
  const terminal = (stdin as { isTTY?: boolean }).isTTY === true;
  // On a terminal readline echoes keystrokes to its output: give it one that swallows them.
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  if (terminal) stderr.write("password: ");
  const lines = createInterface({ input: stdin, output: terminal ? silent : undefined, terminal, crlfDelay: Infinity });
  try {
    return await new Promise<string | undefined>((resolve) => {
      lines.once("line", resolve);
      lines.once("close", () => resolve(undefined));
    });
  } finally {
    lines.close();
    // Stop reading, so the rest of stdin neither reaches anything else nor keeps the process alive.
    stdin.pause();
    if (terminal) stderr.write("\n");
  }
}
