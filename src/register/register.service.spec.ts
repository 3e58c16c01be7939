import { publicOrganisation } from './register.service';

describe('the organisation a register entry names', () => {
  it('names a stated organisation of a rights holder or agent', () => {
    expect(publicOrganisation('rights_holder', ' Acme Pictures Ltd ', 'Pat Doe')).toBe('Acme Pictures Ltd');
    expect(publicOrganisation('agent', 'Lawfirm LLP', 'Pat Doe')).toBe('Lawfirm LLP');
  });
  it('never for a person concerned, never empty, never one containing the requester’s name', () => {
    expect(publicOrganisation('person_concerned', 'Acme Ltd', 'Pat Doe')).toBeNull();
    expect(publicOrganisation('rights_holder', '  ', 'Pat Doe')).toBeNull();
    expect(publicOrganisation('rights_holder', null, 'Pat Doe')).toBeNull();
    expect(publicOrganisation('rights_holder', 'Pat Doe Photography', 'Pat Doe')).toBeNull();
    expect(publicOrganisation('rights_holder', 'pat doe', 'Pat Doe')).toBeNull();
  });
});
