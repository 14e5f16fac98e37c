// The scenario file being run, so that errors found after loading can still name it. Kept apart
// from input-errors.ts, which imports every error class (and with them Lua), so that a command
// can set it without loading those.
let currentFile = '';

export function setCurrentScenarioFile(file: string): void {
  currentFile = file;
}

export function currentScenarioFile(): string {
  return currentFile;
}
