import { loadConfig } from '../config/env.js';
import { createReembedWorker } from './create-worker.js';

const config = loadConfig();
const { worker, close } = await createReembedWorker(config);
console.log(JSON.stringify({ level: 'info', msg: 'worker started', taskQueue: config.temporal.taskQueue, temporal: config.temporal.address }));
await worker.run();
await close();
