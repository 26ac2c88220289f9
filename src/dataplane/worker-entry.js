// Entry of a data-plane worker process: loads the TypeScript sources through tsx, as bin/vpcdns.js does.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
