export async function startLocalSmtp(databaseUrl: string, port: number): Promise<{ url: string; stop(): Promise<void> }> {
  void databaseUrl;
  return { url: `smtp://127.0.0.1:${port}`, stop: async () => undefined };
}
