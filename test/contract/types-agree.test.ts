import { describe, expect, expectTypeOf, test } from 'vitest';
import * as dto from '../../src-main/contract/dto';
import type { LabService } from '../../src-main/service/lab-service';
import { CHAPTERS } from '../../src-main/lessons/lesson';
import { EXPORT_FORMATS } from '../../src-main/model/export-formats';
import type { LimitCaps } from '../../src-main/model/limit-caps';
import type { Lesson } from '../../src-main/model/lesson';
import type { SavedExperiment } from '../../src-main/model/saved-experiment';
import type { Settings } from '../../src-main/model/settings';
import type { SpecIssue, ValidationResult } from '../../src-main/model/spec-issue';
import type { AuthoredSpec, ParamSpec } from '../../src-main/model/spec-schema';
import type { ParamDef, SpecText } from '../../src-main/contract/spec-view';

/**
 * The shapes the renderer sees are the model floor's own, re-exported by the contract (never declared
 * again), and what LabService hands out has those shapes. These fail to compile (npm run typecheck)
 * when a copy creeps back into the contract or the service drifts from the model.
 */
describe('the contract re-exports the model floor', () => {
  test('types', () => {
    expectTypeOf<dto.LimitCaps>().toEqualTypeOf<LimitCaps>();
    expectTypeOf<dto.SpecIssue>().toEqualTypeOf<SpecIssue>();
    expectTypeOf<dto.Lesson>().toEqualTypeOf<Lesson>();
    expectTypeOf<dto.SavedExperiment>().toEqualTypeOf<SavedExperiment>();
    expectTypeOf<dto.Settings>().toEqualTypeOf<Settings>();
    expectTypeOf<ReturnType<LabService['validate']>>().toEqualTypeOf<ValidationResult>();
    expectTypeOf<ReturnType<LabService['getSettings']>>().toEqualTypeOf<dto.Settings>();
    expectTypeOf<ReturnType<LabService['listLessons']>>().toExtend<readonly dto.LessonSummary[]>();
  });

  // spec-view reads params and claims leniently (a spec the engine accepts is always readable), with its
  // own small schemas; what they return is still the model's shape.
  test('spec views', () => {
    expectTypeOf<ParamDef>().toEqualTypeOf<ParamSpec>();
    expectTypeOf<SpecText>().toEqualTypeOf<NonNullable<AuthoredSpec['title']>>();
  });

  test('lists', () => {
    expect(dto.EXPORT_FORMATS).toBe(EXPORT_FORMATS);
    expectTypeOf<(typeof CHAPTERS)[number]>().toEqualTypeOf<dto.ChapterId>();
  });
});
