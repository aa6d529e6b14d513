// Stand-alone adapter entry (dist/adapter.js): DAP over stdin/stdout, for tests and other clients.
import { ExoDebugSession } from './session/session';

ExoDebugSession.run(ExoDebugSession);
