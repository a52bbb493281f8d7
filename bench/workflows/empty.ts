/** The workflow of bench/temporal-starts.ts's round-trip part: it does nothing and completes. */
export async function benchEmpty(): Promise<void> {}
