import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { LabService } from '../service/lab-service';
import { pythonProgramFile } from '../service/python-export';

/**
 * `conlab python <spec.json> [--set k=v] [-o out.py]`: a spec file as a standalone Python program.
 * The file is read as untrusted input (size and shape bounded before it is parsed) and validated as
 * a run would validate it; a bad spec exits 2 naming the field. Needs no database.
 */
export function registerPythonCommand(
  program: Command,
  collectSet: (value: string, previous: Record<string, string>) => Record<string, string>,
  print: (text: string) => void,
): void {
  program
    .command('python')
    .description('write a spec file as a standalone Python program (threading, multiprocessing, asyncio, socket) that runs with python3 as is')
    .argument('<spec-file>', 'a spec .json file')
    .option('--set <name=value>', 'override a parameter (repeatable)', collectSet, {})
    .option('-o, --out <file>', 'write the program to this file instead of printing it')
    .action((file: string, opts: { set: Record<string, string>; out?: string }) => {
      const generated = pythonProgramFile({ spec: LabService.readSpecFile(file), overrides: opts.set });
      if (opts.out === undefined) {
        print(generated.text);
        return;
      }
      writeFileSync(opts.out, generated.text);
      print(`wrote ${opts.out} (${Buffer.byteLength(generated.text).toLocaleString('en')} bytes): run it with python3 ${opts.out}`);
    });
}
