export function stringWidthStandIn(real: () => (text: unknown, options?: object) => number): (text: unknown, options?: object) => number;
