/**
 * Progress of long operations, as lines on stderr: the dynamic-provider host has no engine log
 * channel, and the engine forwards a plugin's stderr lines as diagnostics.
 */
export type Report = (message: string) => void;

export function reporter(resource: string, name: string): Report {
  return (message) => {
    process.stderr.write(`[applayering] ${resource} ${name}: ${message}\n`);
  };
}

/** Ignores progress (tests and nested calls). */
export const quiet: Report = () => undefined;
