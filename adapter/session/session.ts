// The DAP session: a switchboard that routes requests to services (CONVENTIONS.md #5).
// The full debugger core (launch, breakpoints, stepping, inspection) arrives with the
// "Debug adapter" issue; today the session answers `initialize` and refuses launch clearly.
import { DebugSession, InitializedEvent } from '@vscode/debugadapter';
import { DebugProtocol } from '@vscode/debugprotocol';

export class ExoDebugSession extends DebugSession {
  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = { ...response.body, supportsConfigurationDoneRequest: true };
    this.sendResponse(response);
    this.sendEvent(new InitializedEvent());
  }

  protected override launchRequest(response: DebugProtocol.LaunchResponse): void {
    this.sendErrorResponse(response, 1001, 'Launching is not available in this build of Exo Kernel Debug yet.');
  }
}
