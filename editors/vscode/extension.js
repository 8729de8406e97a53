// The VS Code side of tfm: starts `tfmc lsp` over stdio for .tfm files; every feature
// (diagnostics, hover, definition, completion, symbols, rename, formatting) comes from the server.
const fs = require('node:fs');
const path = require('node:path');
const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

let client;

/** `[command, ...args]` that runs tfmc: the setting, the workspace's own tfmc, or the one on the PATH. */
function serverCommand() {
  const configured = vscode.workspace.getConfiguration('tfm').get('server.path');
  const local = (vscode.workspace.workspaceFolders ?? [])
    .map((f) => path.join(f.uri.fsPath, 'node_modules', 'tfmc', 'bin', 'tfmc.js'))
    .find((p) => fs.existsSync(p));
  const tfmc = configured || local || 'tfmc';
  return tfmc.endsWith('.js') ? { command: 'node', args: [tfmc, 'lsp'] } : { command: tfmc, args: ['lsp'] };
}

function activate(context) {
  const { command, args } = serverCommand();
  const run = { command, args, transport: TransportKind.stdio };
  client = new LanguageClient(
    'tfm',
    'tfm language server',
    { run, debug: run },
    {
      documentSelector: [{ language: 'tfm' }],
      // Imported files that are not open are read from disk: tell the server when they change.
      synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.tfm') },
      initializationOptions: { debounceMs: vscode.workspace.getConfiguration('tfm').get('server.debounceMs') },
    },
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
