/**
 * cpu.ts reads how much CPU a server process has used (user + system), from /proc on Linux. CPU per
 * request is steadier than requests per second on a shared 2-core machine: a busy neighbour slows
 * both, but costs neither any CPU.
 */
import { readFileSync } from "node:fs";

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const ticksPerSecond = 100;

/** cpuSeconds is the process's user + system CPU time so far, or NaN where /proc is not readable. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond; // utime, stime (fields 14, 15)
  } catch {
    return Number.NaN;
  }
}
