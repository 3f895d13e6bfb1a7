/**
 * Progress of long operations: lines on stderr (the engine forwards a plugin's stderr as
 * diagnostics), and engine log messages when the host was started with an engine address.
 */
import { engineLog } from "./engineLog";

export type Report = (message: string) => void;

export function reporter(resource: string, name: string): Report {
  return (message) => {
    const line = `${resource} ${name}: ${message}`;
    process.stderr.write(`[applayering] ${line}\n`);
    engineLog(line);
  };
}
