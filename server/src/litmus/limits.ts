// How deep a program may nest. The litmus reader refuses deeper input with a message, and the
// simulator webview refuses deeper messages, with the same number: whatever the reader accepts
// (and so the simulator may be asked to show) the webview accepts too, and nothing deeper can
// reach the recursive walks over programs (the engine, the printers, the webview's renderer).

/** Levels of nesting of blocks, parentheses, prefix operators and operator chains. */
export const MAX_NESTING = 200;
