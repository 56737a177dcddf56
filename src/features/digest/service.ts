export async function buildDigest(..._a: unknown[]): Promise<any> {}
