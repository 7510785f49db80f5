export { createTeacherMlp, createTeacherCnn, type TeacherMlpOptions, type TeacherCnnOptions } from './teacher-architectures.js';
export { loadTeacher } from './load-teacher.js';
