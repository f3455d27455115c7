export const root: string;
export function buildIsCurrent(): boolean;
export function ensureBuild(): void;
