import type { PropertyDefinition } from '../core/contact.ts';

/** Definitions of the tool's own contact properties, shared by the source mappings. */
export const textProperty = (name: string, label: string): PropertyDefinition => ({
  name,
  label,
  type: 'string',
  fieldType: 'text',
});

export const textareaProperty = (name: string, label: string): PropertyDefinition => ({
  name,
  label,
  type: 'string',
  fieldType: 'textarea',
});

export const datetimeProperty = (name: string, label: string): PropertyDefinition => ({
  name,
  label,
  type: 'datetime',
  fieldType: 'date',
});
