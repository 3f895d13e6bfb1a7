/**
 * Progress of long operations: lines on stderr (the engine forwards a plugin's stderr as
 * diagnostics), and engine log messages when the host was started with an engine address.
 */
import { engineLog } from "./engineLog";

export type Report = (message: string) => void;

/**
 * One line, whatever a name or a peer's text holds: control characters (a newline would start a
 * line that looks like another resource's progress) are written as escapes such as \n or \u0007.
 */
export function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    if (c === "\n") return "\\n";
    if (c === "\r") return "\\r";
    if (c === "\t") return "\\t";
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
}

/** A warning: shown by the CLI as one (engine log severity WARNING), and on stderr. */
export function warner(resource: string, name: string): Report {
  return (message) => {
    const line = oneLine(`${resource} ${name}: ${message}`);
    process.stderr.write(`[applayering] warning: ${line}\n`);
    engineLog(line, "warning");
  };
}

export function reporter(resource: string, name: string): Report {
  return (message) => {
    const line = oneLine(`${resource} ${name}: ${message}`);
    process.stderr.write(`[applayering] ${line}\n`);
    engineLog(line);
  };
}
