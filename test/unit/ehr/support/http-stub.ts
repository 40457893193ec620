import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Express } from 'express';

/** A throwaway express server on 127.0.0.1:0 for token endpoints and misbehaving EHRs. */
export interface HttpStub {
  url: string;
  close(): Promise<void>;
}

export async function startHttpStub(configure: (app: Express, url: () => string) => void): Promise<HttpStub> {
  const app = express();
  app.use(express.urlencoded({ extended: false }));
  app.use(express.json({ type: ['application/json', 'application/fhir+json'] }));
  let base = '';
  configure(app, () => base);
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
