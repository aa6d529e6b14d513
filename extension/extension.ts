// Extension entry: registers the `exo-kernel` adapter factory and configuration provider.
import * as vscode from 'vscode';
import { ExoAdapterFactory } from './adapterFactory';
import { ExoConfigurationProvider } from './configProvider';

export function activate(context: vscode.ExtensionContext): void {
  const provider = new ExoConfigurationProvider();
  context.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory('exo-kernel', new ExoAdapterFactory(context.extensionPath)),
    vscode.debug.registerDebugConfigurationProvider('exo-kernel', provider),
    vscode.debug.registerDebugConfigurationProvider('exo-kernel', provider, vscode.DebugConfigurationProviderTriggerKind.Dynamic),
  );
}

export function deactivate(): void {}
