import { describe, expect, expectTypeOf, test } from 'vitest';
import * as dto from '../../src-main/contract/dto';
import type { LimitCaps as EngineLimitCaps } from '../../src-main/engine/spec/limits';
import type { SpecIssue as EngineSpecIssue } from '../../src-main/engine/spec/validate';
import { CHAPTERS, type Lesson as EngineLesson } from '../../src-main/lessons/lesson';
import { EXPORT_FORMATS, type LabService, type LabSettings, type LessonSummary as ServiceLessonSummary } from '../../src-main/service/lab-service';
import type { SavedExperiment as StoreSavedExperiment } from '../../src-main/store/store-model';

/**
 * The contract re-declares shapes that live in modules the renderer may not import. These checks
 * fail to compile (npm run typecheck) when an engine shape changes and the contract does not follow.
 */
describe('contract shapes agree with the engine', () => {
  test('types', () => {
    expectTypeOf<EngineLimitCaps>().toExtend<dto.LimitCaps>();
    expectTypeOf<EngineSpecIssue>().toExtend<dto.SpecIssue>();
    expectTypeOf<EngineLesson>().toExtend<dto.Lesson>();
    expectTypeOf<ServiceLessonSummary>().toExtend<dto.LessonSummary>();
    expectTypeOf<StoreSavedExperiment>().toExtend<dto.SavedExperiment>();
    expectTypeOf<LabSettings>().toExtend<dto.Settings>();
    expectTypeOf<ReturnType<LabService['validate']>>().toExtend<dto.ValidationResult>();
  });

  test('lists', () => {
    expect([...dto.EXPORT_FORMATS]).toEqual([...EXPORT_FORMATS]);
    expectTypeOf<(typeof CHAPTERS)[number]>().toEqualTypeOf<dto.ChapterId>();
  });
});
