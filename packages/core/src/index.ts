export { ensureGradients } from '@lmreg/common/tf';

export type { PairLossKind, PairRankingLossOptions, RankingLossOptions, RankingPair, RankingReduction } from './loss/ranking-loss.js';
export { landmarkRankingLoss, pairRankingLoss, rankingPairs, sampledRankingLoss, samplePairs } from './loss/ranking-loss.js';

export type { LambdaSchedule, LambdaScheduleConfig, LambdaScheduleShape, ResolvedLambdaScheduleConfig } from './schedule/lambda-schedule.js';
export { createLambdaSchedule, getSchedule, listSchedules, registerSchedule } from './schedule/lambda-schedule.js';

export type { DiverseSelectionOptions, EvenSelectionOptions, ScoredArchitecture, UniformSelectionOptions } from './selection/select-landmarks.js';
export { selectDiverseLandmarks, selectEvenlySpacedLandmarks, selectUniformLandmarks } from './selection/select-landmarks.js';

export type { AddLandmarkOptions, DuplicatePolicy, Landmark, LandmarkJson, LandmarkSetJson } from './landmarks/landmark-set.js';
export { LANDMARK_SET_FORMAT, LANDMARK_SET_VERSION, LandmarkSet } from './landmarks/landmark-set.js';
export { loadLandmarkSet, saveLandmarkSet } from './landmarks/landmark-file.js';

export type { LandmarkPair, LandmarkTerm, LandmarkTermOptions, LandmarkTermState, LandmarkTermStep } from './term/landmark-term.js';
export { createLandmarkTerm, restoreLandmarkTerm } from './term/landmark-term.js';
export type { RoundLandmark, RoundRecord, RunRoundsOptions } from './rounds/run-rounds.js';
export { runRounds } from './rounds/run-rounds.js';
