// Extension entry: registers the inline debug adapter for `exo-kernel`.
import * as vscode from 'vscode';
import { ExoDebugSession } from '../adapter/session/session';

export function activate(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory('exo-kernel', {
      createDebugAdapterDescriptor: () => new vscode.DebugAdapterInlineImplementation(new ExoDebugSession()),
    }),
  );
}

export function deactivate(): void {}
