/**
 * Lab packs for the renderer: the pack schema and its bounds (model/lab-pack.ts), so the pack builder checks a
 * draft with the same rules the service applies when it reads a pack file. The service checks again, and
 * further (lesson ids, composed specs, fixed values against their parameters).
 */
import type { ExportedFile } from './dto';

export {
  LAB_PACK_EXTENSION,
  LAB_PACK_FORMAT,
  LAB_PACK_LIMITS,
  LAB_PACK_VERSION,
  labPackSchema,
  packSlugSchema,
  type LabPack,
  type PackLesson,
  type PackParamValue,
  type PackQuantity,
  type PackQuestion,
} from '../model/lab-pack';
export { questionSourceSchema, type QuestionSource } from '../model/questions';

/** A pack written in the app and checked by the service: its file, and what names it. */
export interface BuiltPack {
  /** The .conlabpack file (gzip-compressed JSON), as a download or to open as a student. */
  readonly file: ExportedFile;
  readonly id: string;
  /** sha256 of the validated JSON, as submissions name the pack. */
  readonly hash: string;
  readonly lessons: number;
}
