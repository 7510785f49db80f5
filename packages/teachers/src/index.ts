export { createTeacherMlp, createTeacherCnn, type TeacherMlpOptions, type TeacherCnnOptions } from './teacher-architectures.js';
export { loadTeacher, readEnsembleManifest, type TeacherShape } from './load-teacher.js';
export {
  EnsembleTeacher,
  ENSEMBLE_COMBINES,
  ENSEMBLE_JSON,
  type EnsembleCombine,
  type EnsembleOptions,
  type EnsembleManifest,
} from './ensemble-teacher.js';
export { SavedTeacher, type SavedTeacherOptions } from './saved-teacher.js';
export {
  mlpTeacherPlugin,
  cnnTeacherPlugin,
  savedTeacherPlugin,
  createEnsembleTeacherPlugin,
  teacherPlugins,
  registerTeachers,
  parseSavedTeacherOptions,
  parseEnsembleOptions,
  type TeacherMlpPluginOptions,
  type TeacherCnnPluginOptions,
  type EnsembleMemberSpec,
  type EnsemblePluginOptions,
} from './teacher-plugins.js';
export { onnxTeacherPlugin, parseOnnxTeacherOptions, type OnnxTeacherPluginOptions } from './onnx-teacher-plugin.js';
// The ONNX side, for code that uses teachers without another import.
export { OnnxTeacher, exportOnnx, toOnnx, type OnnxTeacherOptions, type InputLayout } from '@distillery/onnx';
