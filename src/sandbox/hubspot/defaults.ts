/** The contact properties and property groups a fresh HubSpot portal has. */

export interface PropertyOption {
  label: string;
  value: string;
  displayOrder: number;
  hidden: boolean;
}

export interface PropertyDefinition {
  name: string;
  label: string;
  type: string;
  fieldType: string;
  groupName: string;
  description: string;
  options: PropertyOption[];
  displayOrder: number;
  hasUniqueValue: boolean;
  hidden: boolean;
  formField: boolean;
  hubspotDefined: boolean;
  /** Values only HubSpot itself may set (modificationMetadata.readOnlyValue). */
  readOnlyValue: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface PropertyGroup {
  name: string;
  label: string;
  displayOrder: number;
  archived: boolean;
}

export function defaultGroups(): PropertyGroup[] {
  return [
    ['contactinformation', 'Contact information'],
    ['emailinformation', 'Email information'],
    ['conversioninformation', 'Conversion information'],
    ['analyticsinformation', 'Web analytics history'],
    ['socialmediainformation', 'Social media information'],
    ['sales_properties', 'Sales properties'],
  ].map(([name, label], i) => ({ name: name!, label: label!, displayOrder: i, archived: false }));
}

const opts = (values: [string, string][]): PropertyOption[] =>
  values.map(([value, label], i) => ({ label, value, displayOrder: i, hidden: false }));

const TRUE_FALSE = opts([
  ['true', 'Yes'],
  ['false', 'No'],
]);

type Spec = [
  name: string,
  label: string,
  type: string,
  fieldType: string,
  extra?: Partial<PropertyDefinition>,
];

const SPECS: Spec[] = [
  ['email', 'Email', 'string', 'text'],
  ['firstname', 'First Name', 'string', 'text'],
  ['lastname', 'Last Name', 'string', 'text'],
  ['salutation', 'Salutation', 'string', 'text'],
  ['phone', 'Phone Number', 'string', 'phonenumber'],
  ['mobilephone', 'Mobile Phone Number', 'string', 'phonenumber'],
  ['fax', 'Fax Number', 'string', 'phonenumber'],
  ['address', 'Street Address', 'string', 'text'],
  ['city', 'City', 'string', 'text'],
  ['state', 'State/Region', 'string', 'text'],
  ['zip', 'Postal Code', 'string', 'text'],
  ['country', 'Country/Region', 'string', 'text'],
  ['company', 'Company Name', 'string', 'text'],
  ['jobtitle', 'Job Title', 'string', 'text'],
  ['industry', 'Industry', 'string', 'text'],
  ['website', 'Website URL', 'string', 'text'],
  // A single-line text property in HubSpot, not a date.
  ['date_of_birth', 'Date of birth', 'string', 'text'],
  ['message', 'Message', 'string', 'textarea'],
  [
    'lifecyclestage',
    'Lifecycle Stage',
    'enumeration',
    'radio',
    {
      options: opts([
        ['subscriber', 'Subscriber'],
        ['lead', 'Lead'],
        ['marketingqualifiedlead', 'Marketing Qualified Lead'],
        ['salesqualifiedlead', 'Sales Qualified Lead'],
        ['opportunity', 'Opportunity'],
        ['customer', 'Customer'],
        ['evangelist', 'Evangelist'],
        ['other', 'Other'],
      ]),
    },
  ],
  [
    'hs_legal_basis',
    "Legal basis for processing contact's data",
    'enumeration',
    'checkbox',
    {
      options: opts([
        ['Legitimate interest – prospect/lead', 'Legitimate interest – prospect/lead'],
        ['Legitimate interest – existing customer', 'Legitimate interest – existing customer'],
        ['Legitimate interest - other', 'Legitimate interest - other'],
        ['Performance of a contract', 'Performance of a contract'],
        ['Freely given consent from contact', 'Freely given consent from contact'],
        ['Not applicable', 'Not applicable'],
      ]),
    },
  ],
  [
    'hs_email_optout',
    'Unsubscribed from all email',
    'bool',
    'booleancheckbox',
    { options: TRUE_FALSE, readOnlyValue: true, groupName: 'emailinformation' },
  ],
  [
    'hs_marketable_status',
    'Marketing contact status',
    'enumeration',
    'select',
    { options: TRUE_FALSE, readOnlyValue: true },
  ],
  ['hs_additional_emails', 'Additional email addresses', 'enumeration', 'checkbox', { readOnlyValue: true }],
  ['createdate', 'Create Date', 'datetime', 'date', { readOnlyValue: true }],
  ['lastmodifieddate', 'Last Modified Date', 'datetime', 'date', { readOnlyValue: true }],
  ['hs_object_id', 'Record ID', 'number', 'number', { readOnlyValue: true }],
];

export function defaultProperties(at: number): PropertyDefinition[] {
  return SPECS.map(([name, label, type, fieldType, extra], i) => ({
    name,
    label,
    type,
    fieldType,
    groupName: 'contactinformation',
    description: '',
    options: [],
    displayOrder: i,
    hasUniqueValue: false,
    hidden: false,
    formField: !extra?.readOnlyValue,
    hubspotDefined: true,
    readOnlyValue: false,
    createdAt: at,
    updatedAt: at,
    ...extra,
  }));
}

/** The JSON shape of a property in /crm/v3/properties responses. */
export function propertyJson(p: PropertyDefinition): Record<string, unknown> {
  return {
    name: p.name,
    label: p.label,
    type: p.type,
    fieldType: p.fieldType,
    description: p.description,
    groupName: p.groupName,
    options: p.options,
    displayOrder: p.displayOrder,
    calculated: false,
    externalOptions: false,
    hasUniqueValue: p.hasUniqueValue,
    hidden: p.hidden,
    hubspotDefined: p.hubspotDefined,
    formField: p.formField,
    createdAt: new Date(p.createdAt).toISOString(),
    updatedAt: new Date(p.updatedAt).toISOString(),
    archived: false,
    modificationMetadata: {
      archivable: !p.hubspotDefined,
      readOnlyDefinition: p.hubspotDefined,
      readOnlyValue: p.readOnlyValue,
    },
  };
}
