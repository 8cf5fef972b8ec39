// src/lab public surface: the failure lab (origins + routing) and its static case list.
// I/O lives in lab.ts (servers) and lab-pki.ts (files).
export { Lab, DEFAULT_SLOW_HANDSHAKE_MS, type LabCase, type LabStartOptions } from './lab';
export { LAB_CASES, LAB_DOMAIN, labHost, type LabCaseInfo, type LabExpectation } from './lab-cases';
export { LAB_FILES } from './lab-pki';
