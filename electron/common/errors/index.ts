export * from './OpalError.ts';
