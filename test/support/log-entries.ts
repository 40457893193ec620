/** One JSON log line of a bridge process (only the fields these tests read). */
export interface LogEntry {
  level?: string;
  message?: string;
  timestamp?: string;
  eventId?: string;
  channelId?: string;
  leaseKept?: boolean;
  workerId?: string;
  ms?: number;
}

/** The JSON log lines in a process's output; other lines are skipped. */
export function logEntries(output: string): LogEntry[] {
  const entries: LogEntry[] = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) {
      continue;
    }
    try {
      entries.push(JSON.parse(line) as LogEntry);
    } catch {
      // A line cut short by kill -9.
    }
  }
  return entries;
}
