export { createMlp, ACTIVATIONS, type MlpOptions, type Activation } from './mlp.js';
export { createCnn, BATCH_NORM_MOMENTUM, type CnnOptions } from './cnn.js';
export { studentPlugins, mlpStudentPlugin, cnnStudentPlugin, registerStudents } from './student-plugins.js';
export { parseMlpPluginOptions, parseCnnPluginOptions, type MlpPluginOptions, type CnnPluginOptions } from './architecture-options.js';
