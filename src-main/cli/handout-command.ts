import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { HANDOUT_PAPERS, type HandoutLang, type HandoutPaper } from '../export/handout';
import { handoutFileName, lessonHandout, packHandout, type HandoutRequest } from '../service/handouts';
import { LabError } from '../service/lab-service';
import { checkLabPack, PackError, readLabPackFile, readPackSourceFile, type ReadPack } from '../service/packs';
import { terminalSafe } from './format';

/**
 * `conlab handout <lesson-id|pack>`: a printable handout (or with --answers the instructor's answer key) as one
 * HTML file. Needs no run history: the lesson comes from the catalog, the pack from its file (read strictly).
 */

/** A target naming a file rather than a lesson: a pack, or a pack's JSON source. */
function isPackPath(target: string): boolean {
  return /\.(conlabpack|json)$/i.test(target) || target.includes('/') || target.includes('\\');
}

async function readPack(path: string): Promise<ReadPack> {
  try {
    return /\.json$/i.test(path) ? checkLabPack(readPackSourceFile(path)) : await readLabPackFile(path);
  } catch (error) {
    if (error instanceof PackError) throw new LabError('bad-input', error.message);
    throw error;
  }
}

function parseLang(value: string): HandoutLang {
  if (value === 'zh-CN' || value === 'zh') return 'zh-CN';
  if (value === 'en') return 'en';
  throw new LabError('bad-input', `--lang must be zh-CN or en, got ${value}`);
}

export function registerHandoutCommand(program: Command, defaultLang: () => 'en' | 'zh'): void {
  program
    .command('handout')
    .description("write a printable handout of a lesson or a lab pack as HTML (print it, or save it as PDF from a browser); --answers writes the instructor's answer key")
    .argument('<lesson-or-pack>', 'a lesson id, or a .conlabpack file (or its .json source)')
    .option('--lang <lang>', 'zh-CN or en (default: from the system locale)')
    .addOption(new Option('--paper <paper>', 'the page size').choices([...HANDOUT_PAPERS]).default('a4'))
    .option('--answers', "the instructor's answer key instead of the students' handout")
    .option('-o, --out <file>', 'write here (default: a file named after the lesson or pack in the current folder; - for stdout)')
    .action(async (target: string, opts: { lang?: string; paper: HandoutPaper; answers?: boolean; out?: string }) => {
      const request: HandoutRequest = { lang: opts.lang !== undefined ? parseLang(opts.lang) : defaultLang() === 'zh' ? 'zh-CN' : 'en', paper: opts.paper, answerKey: opts.answers === true };
      let html: string;
      let base: string;
      if (isPackPath(target)) {
        const read = await readPack(target);
        html = packHandout(read, request);
        base = read.pack.id;
      } else {
        html = lessonHandout(target, request);
        base = target;
      }
      if (opts.out === '-') {
        // Piped, the file goes out as written; to a terminal, escaped like everything else shown there.
        process.stdout.write(process.stdout.isTTY ? terminalSafe(html) : html);
        return;
      }
      const file = opts.out ?? handoutFileName(base, request);
      try {
        writeFileSync(file, html);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
        throw new LabError('bad-input', `cannot write ${file}: ${code}; give --out a file in a folder you can write`);
      }
      process.stdout.write(`${terminalSafe(`wrote ${file} (${Buffer.byteLength(html).toLocaleString('en')} bytes)`)}\n`);
    });
}
