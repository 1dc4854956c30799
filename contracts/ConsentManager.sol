// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IConsentManager} from "./interfaces/IConsentManager.sol";
import {IPatientRegistry} from "./interfaces/IPatientRegistry.sol";
import {IProviderRegistry} from "./interfaces/IProviderRegistry.sol";
import {IRecordToken} from "./interfaces/IRecordToken.sol";
import {Scopes} from "./libraries/Scopes.sol";
import {Purposes} from "./libraries/Purposes.sol";

/**
 * @title ConsentManager
 * @notice Patient consents (EIP-712, signed by an EOA or an ERC-1271 smart account), their revocation,
 * break-glass emergency access and the on-chain log of disclosures. Every grant, revocation, emergency
 * access and disclosure emits one event carrying what an accounting of disclosures needs.
 *
 * Storage: one packed slot per (patient, token, grantee) consent and one per (token, grantee) emergency
 * grant; nonces are a bitmap (256 per slot). Revocation cannot be paused or blocked by any role.
 *
 * Emergency access is opened by the global break-glass authority (`BREAK_GLASS_ROLE`, the hospital's M-of-N Safe)
 * or, for one patient's records only, by the emergency delegate that patient named (a Safe of its guardians).
 */
contract ConsentManager is AccessControl, EIP712, IConsentManager {
    /// @notice A consent, as the patient signs it. `tokenId == ALL_RECORDS` covers every record of the patient.
    struct Consent {
        address patient;
        address grantee;
        uint256 tokenId;
        uint8 scopes;
        bytes32 purpose;
        uint64 expiresAt;
        uint256 nonce;
        bytes32 metadataId;
    }

    /// @notice A revocation signed by the patient and relayed by anyone before `deadline`.
    struct Revocation {
        address patient;
        address grantee;
        uint256 tokenId;
        uint256 nonce;
        uint64 deadline;
    }

    /// @notice What is stored for one grant: exactly one storage slot.
    struct Grant {
        bytes22 purpose;
        uint64 expiresAt;
        uint8 scopes;
    }

    /// @notice Role of the break-glass authority (an M-of-N Safe) that opens emergency access.
    bytes32 public constant BREAK_GLASS_ROLE = keccak256("BREAK_GLASS_ROLE");
    /// @notice Role of the key-release resolver that records disclosures.
    bytes32 public constant RESOLVER_ROLE = keccak256("RESOLVER_ROLE");
    /// @notice Token id meaning "every record of the patient".
    uint256 public constant ALL_RECORDS = type(uint256).max;
    /// @notice Longest emergency access one break-glass call can open.
    uint64 public constant MAX_EMERGENCY_DURATION = 24 hours;
    /// @notice Scope bit: read the record.
    uint8 public constant READ = Scopes.READ;
    /// @notice Scope bit: add records or versions.
    uint8 public constant APPEND = Scopes.APPEND;
    /// @notice Scope bit: annotate a record.
    uint8 public constant ANNOTATE = Scopes.ANNOTATE;

    /// @notice EIP-712 type hash of {Consent}.
    bytes32 public constant CONSENT_TYPEHASH =
        keccak256(
            "Consent(address patient,address grantee,uint256 tokenId,uint8 scopes,bytes32 purpose,uint64 expiresAt,uint256 nonce,bytes32 metadataId)"
        );
    /// @notice EIP-712 type hash of {Revocation}.
    bytes32 public constant REVOCATION_TYPEHASH =
        keccak256("Revocation(address patient,address grantee,uint256 tokenId,uint256 nonce,uint64 deadline)");

    /// @dev Domain tag that separates emergency grant keys from consent grant keys.
    bytes32 private constant _EMERGENCY_TAG = keccak256("medrec.emergency");

    /// @notice The patient registry consulted for patient-wide consents.
    IPatientRegistry public immutable patientRegistry;
    /// @notice The participant registry consulted for every grantee, at grant time and at use time.
    IProviderRegistry public immutable providerRegistry;
    /// @notice The record token; set once by the admin after deployment.
    IRecordToken public recordToken;

    mapping(bytes32 key => Grant) private _grants;
    mapping(address patient => mapping(uint256 word => uint256 bits)) private _nonceBitmaps;
    /// @notice The emergency delegate of each patient (typically a Safe of the patient's guardians); zero if none.
    /// It may open and end emergency access on that patient's records only.
    mapping(address patient => address delegate) public emergencyDelegateOf;

    /// @dev A zero address was given.
    error ZeroAddress();
    /// @dev {setRecordToken} was already called.
    error RecordTokenAlreadySet();
    /// @dev The record token is not set yet.
    error RecordTokenNotSet();
    /// @dev `scopes` is empty or has undefined bits.
    error InvalidScopes(uint8 scopes);
    /// @dev `purpose` is zero or longer than 22 bytes.
    error InvalidPurpose(bytes32 purpose);
    /// @dev The consent expired at or before the current block.
    error ConsentExpired(uint64 expiresAt);
    /// @dev The relayed revocation's deadline has passed.
    error SignatureExpired(uint64 deadline);
    /// @dev The signature is not the patient's.
    error InvalidSignature();
    /// @dev `nonce` of `patient` was used or invalidated before.
    error NonceAlreadyUsed(address patient, uint256 nonce);
    /// @dev No record token `tokenId` exists.
    error UnknownToken(uint256 tokenId);
    /// @dev `account` does not hold record `tokenId`.
    error NotRecordPatient(uint256 tokenId, address account);
    /// @dev `account` is not a registered patient.
    error NotAPatient(address account);
    /// @dev `grantee` is not an active participant of a kind that may hold this grant.
    error InactiveGrantee(address grantee);
    /// @dev There is no grant to revoke or end.
    error NoGrant(address patient, uint256 tokenId, address grantee);
    /// @dev `duration` is zero or longer than {MAX_EMERGENCY_DURATION}.
    error InvalidEmergencyDuration(uint64 duration);
    /// @dev An emergency access needs the hash of its reason.
    error MissingReason();
    /// @dev `grantee` has no live READ access to `tokenId` for `purpose`.
    error NoAccess(address grantee, uint256 tokenId, bytes32 purpose);
    /// @dev Caller may not perform this action (on this patient's records).
    error NotAuthorized(address caller);

    /// @notice The record token was wired in.
    event RecordTokenSet(address indexed recordToken);
    /// @notice `patient` granted `grantee` the scopes `scopes` on `tokenId` for `purpose` until `expiresAt`.
    event AccessGranted(
        bytes32 indexed consentId,
        address indexed patient,
        address indexed grantee,
        uint256 tokenId,
        uint8 scopes,
        bytes32 purpose,
        uint64 expiresAt,
        bytes32 metadataId
    );
    /// @notice `patient` revoked the grant of `grantee` on `tokenId`.
    event AccessRevoked(address indexed patient, address indexed grantee, uint256 indexed tokenId, bytes32 purpose);
    /// @notice Break-glass authority `approvedBy` opened READ access on `tokenId` for `grantee` until `expiresAt`.
    event EmergencyAccessGranted(
        uint256 indexed tokenId,
        address indexed patient,
        address indexed grantee,
        address approvedBy,
        bytes32 reasonHash,
        uint64 expiresAt
    );
    /// @notice `patient` named `delegate` its emergency delegate; `delegate == address(0)` clears it.
    event EmergencyDelegateSet(address indexed patient, address indexed delegate);
    /// @notice `endedBy` closed the emergency access of `grantee` on `tokenId` before it expired.
    event EmergencyAccessEnded(uint256 indexed tokenId, address indexed patient, address indexed grantee, address endedBy);
    /// @notice `resolver` released the key of `tokenId` to `grantee` for `purpose`.
    event Disclosure(
        uint256 indexed tokenId,
        address indexed patient,
        address indexed grantee,
        bytes32 purpose,
        address resolver,
        bool emergency
    );
    /// @notice `patient` invalidated `nonce` so that a signed, unsubmitted consent can never be used.
    event NonceInvalidated(address indexed patient, uint256 nonce);

    /**
     * @param admin Holder of `DEFAULT_ADMIN_ROLE` (grants the resolver and break-glass roles).
     * @param patients The patient registry.
     * @param providers The participant registry.
     */
    constructor(address admin, IPatientRegistry patients, IProviderRegistry providers) EIP712("medrec ConsentManager", "1") {
        if (admin == address(0) || address(patients) == address(0) || address(providers) == address(0)) {
            revert ZeroAddress();
        }
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        patientRegistry = patients;
        providerRegistry = providers;
    }

    /**
     * @notice Wires the record token in; callable once.
     * @dev Only `DEFAULT_ADMIN_ROLE`. Reverts with {RecordTokenAlreadySet} or {ZeroAddress}.
     */
    function setRecordToken(IRecordToken token) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (address(recordToken) != address(0)) revert RecordTokenAlreadySet();
        if (address(token) == address(0)) revert ZeroAddress();
        recordToken = token;
        emit RecordTokenSet(address(token));
    }

    // ------------------------------------------------------------------ grants

    /**
     * @notice Stores a consent signed by its patient; anyone may submit it.
     * @dev The signature is checked with ERC-1271 when the patient is a contract, with ECDSA otherwise.
     * A new consent for the same (patient, token, grantee) replaces the previous one.
     * Reverts with {InvalidScopes}, {InvalidPurpose}, {ConsentExpired}, {InactiveGrantee}, {NotAPatient},
     * {UnknownToken}, {NotRecordPatient}, {NonceAlreadyUsed} or {InvalidSignature}.
     * @return consentId The EIP-712 digest of the consent.
     */
    function grant(Consent calldata consent, bytes calldata signature) external returns (bytes32 consentId) {
        _validateConsent(consent);
        consentId = _hashTypedDataV4(hashConsent(consent));
        _useNonce(consent.patient, consent.nonce);
        if (!SignatureChecker.isValidSignatureNowCalldata(consent.patient, consentId, signature)) {
            revert InvalidSignature();
        }
        _storeGrant(consent, consentId);
    }

    /**
     * @notice Stores a consent given by the calling patient itself (no signature, no nonce used).
     * @dev `consent.patient` must be the caller; `consent.nonce` is only part of the consent id.
     * Reverts as {grant} does, and with {NotAuthorized} when the caller is not `consent.patient`.
     * @return consentId The EIP-712 digest of the consent.
     */
    function grantDirect(Consent calldata consent) external returns (bytes32 consentId) {
        if (consent.patient != msg.sender) revert NotAuthorized(msg.sender);
        _validateConsent(consent);
        consentId = _hashTypedDataV4(hashConsent(consent));
        _storeGrant(consent, consentId);
    }

    // ------------------------------------------------------------------ revocation

    /**
     * @notice Revokes the caller's grant to `grantee` on `tokenId` (or on `ALL_RECORDS`). Takes effect in
     * this block; no role can pause or block it.
     * @dev Reverts with {NotRecordPatient} or {NoGrant}.
     */
    function revoke(uint256 tokenId, address grantee) external {
        _requireHolder(msg.sender, tokenId);
        _revoke(msg.sender, tokenId, grantee);
    }

    /**
     * @notice Revokes a grant with the patient's EIP-712 {Revocation} signature; anyone may relay it.
     * @dev Reverts with {SignatureExpired}, {NonceAlreadyUsed}, {InvalidSignature}, {NotRecordPatient} or {NoGrant}.
     */
    function revokeWithSignature(Revocation calldata revocation, bytes calldata signature) external {
        if (block.timestamp > revocation.deadline) revert SignatureExpired(revocation.deadline);
        _requireHolder(revocation.patient, revocation.tokenId);
        _useNonce(revocation.patient, revocation.nonce);
        bytes32 digest = _hashTypedDataV4(hashRevocation(revocation));
        if (!SignatureChecker.isValidSignatureNowCalldata(revocation.patient, digest, signature)) {
            revert InvalidSignature();
        }
        _revoke(revocation.patient, revocation.tokenId, revocation.grantee);
    }

    /**
     * @notice Burns the caller's `nonce` so that a consent or revocation signed with it can never be used.
     * @dev Reverts with {NonceAlreadyUsed}.
     */
    function invalidateNonce(uint256 nonce) external {
        _useNonce(msg.sender, nonce);
        emit NonceInvalidated(msg.sender, nonce);
    }

    // ------------------------------------------------------------------ break-glass

    /**
     * @notice Names `delegate` (typically an M-of-N Safe of the caller's guardians) as the caller's emergency
     * delegate: it may open and end emergency access on the caller's records, and on no one else's.
     * `address(0)` clears the delegate. A new delegate replaces the previous one.
     * @dev The caller must be a registered patient to name a delegate; clearing is always allowed, so that no
     * registry state can keep an authority alive. Reverts with {NotAPatient}.
     */
    function setEmergencyDelegate(address delegate) external {
        if (delegate != address(0) && !patientRegistry.isPatient(msg.sender)) revert NotAPatient(msg.sender);
        emergencyDelegateOf[msg.sender] = delegate;
        emit EmergencyDelegateSet(msg.sender, delegate);
    }

    /**
     * @notice Opens READ access on `tokenId` for the active provider `grantee`, for `duration` seconds at most
     * {MAX_EMERGENCY_DURATION}, for the reason whose hash is `reasonHash`.
     * @dev Callable by `BREAK_GLASS_ROLE` (the hospital's M-of-N Safe, on any record) or by the emergency delegate
     * of the record's patient (on that patient's records only). `approvedBy` in the event is the caller.
     * Reverts with {UnknownToken}, {NotAuthorized}, {InvalidEmergencyDuration}, {MissingReason} or {InactiveGrantee}.
     */
    function emergencyAccess(uint256 tokenId, address grantee, bytes32 reasonHash, uint64 duration) external {
        address patient = _patientOf(tokenId);
        _requireEmergencyAuthority(patient);
        if (duration == 0 || duration > MAX_EMERGENCY_DURATION) revert InvalidEmergencyDuration(duration);
        if (reasonHash == bytes32(0)) revert MissingReason();
        if (providerRegistry.activeKindOf(grantee) != IProviderRegistry.Kind.Provider) revert InactiveGrantee(grantee);
        uint64 expiresAt = uint64(block.timestamp) + duration;
        _grants[_emergencyKey(tokenId, grantee)] = Grant({
            purpose: Purposes.pack(Purposes.EMERGENCY),
            expiresAt: expiresAt,
            scopes: Scopes.READ
        });
        emit EmergencyAccessGranted(tokenId, patient, grantee, msg.sender, reasonHash, expiresAt);
    }

    /**
     * @notice Ends an emergency access before it expires; callable by the patient, the break-glass authority or
     * the patient's emergency delegate.
     * @dev Reverts with {UnknownToken}, {NotAuthorized} or {NoGrant}.
     */
    function endEmergencyAccess(uint256 tokenId, address grantee) external {
        address patient = _patientOf(tokenId);
        if (msg.sender != patient) _requireEmergencyAuthority(patient);
        bytes32 key = _emergencyKey(tokenId, grantee);
        if (_grants[key].scopes == 0) revert NoGrant(patient, tokenId, grantee);
        delete _grants[key];
        emit EmergencyAccessEnded(tokenId, patient, grantee, msg.sender);
    }

    // ------------------------------------------------------------------ disclosures

    /**
     * @notice Logs that the resolver released the key of `tokenId` to `grantee` for `purpose`.
     * @dev Only `RESOLVER_ROLE`, and only while {hasAccessFor}(grantee, tokenId, READ, purpose) holds.
     * Reverts with {UnknownToken} or {NoAccess}.
     */
    function recordDisclosure(uint256 tokenId, address grantee, bytes32 purpose) external onlyRole(RESOLVER_ROLE) {
        address patient = _patientOf(tokenId);
        (bool allowed, bool emergency) = _access(patient, tokenId, grantee, Scopes.READ, purpose, true);
        if (!allowed) revert NoAccess(grantee, tokenId, purpose);
        emit Disclosure(tokenId, patient, grantee, purpose, msg.sender, emergency);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IConsentManager
    function hasAccess(address grantee, uint256 tokenId, uint8 scope) external view returns (bool allowed) {
        address patient = _patientOrZero(tokenId);
        if (patient == address(0)) return false;
        (allowed, ) = _access(patient, tokenId, grantee, scope, bytes32(0), false);
    }

    /**
     * @notice Whether `grantee` holds, now, every bit of `scope` on `tokenId` under a grant for `purpose`
     * (an emergency grant counts for the emergency purpose only).
     */
    function hasAccessFor(address grantee, uint256 tokenId, uint8 scope, bytes32 purpose) external view returns (bool allowed) {
        address patient = _patientOrZero(tokenId);
        if (patient == address(0)) return false;
        (allowed, ) = _access(patient, tokenId, grantee, scope, purpose, true);
    }

    /// @inheritdoc IConsentManager
    function canAppend(address issuer, address patient) external view returns (bool) {
        return
            _isEligibleGrantee(issuer) &&
            _covers(_grants[_consentKey(patient, ALL_RECORDS, issuer)], Scopes.APPEND, bytes32(0), false);
    }

    /// @notice The stored consent grant of `grantee` on `tokenId` (or `ALL_RECORDS`) of `patient`; zero if none.
    function grantOf(address patient, uint256 tokenId, address grantee) external view returns (Grant memory) {
        return _grants[_consentKey(patient, tokenId, grantee)];
    }

    /// @notice The stored emergency grant of `grantee` on `tokenId`; zero if none.
    function emergencyGrantOf(uint256 tokenId, address grantee) external view returns (Grant memory) {
        return _grants[_emergencyKey(tokenId, grantee)];
    }

    /// @notice Whether `nonce` of `patient` is used or invalidated.
    function isNonceUsed(address patient, uint256 nonce) external view returns (bool) {
        return _nonceBitmaps[patient][nonce >> 8] & (1 << (nonce & 0xff)) != 0;
    }

    /// @notice The EIP-712 domain separator (name "medrec ConsentManager", version "1", chain id, this contract).
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @notice The EIP-712 struct hash of `consent`.
    function hashConsent(Consent calldata consent) public pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    CONSENT_TYPEHASH,
                    consent.patient,
                    consent.grantee,
                    consent.tokenId,
                    consent.scopes,
                    consent.purpose,
                    consent.expiresAt,
                    consent.nonce,
                    consent.metadataId
                )
            );
    }

    /// @notice The EIP-712 struct hash of `revocation`.
    function hashRevocation(Revocation calldata revocation) public pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    REVOCATION_TYPEHASH,
                    revocation.patient,
                    revocation.grantee,
                    revocation.tokenId,
                    revocation.nonce,
                    revocation.deadline
                )
            );
    }

    // ------------------------------------------------------------------ internals

    function _validateConsent(Consent calldata consent) private view {
        if (!Scopes.isValid(consent.scopes)) revert InvalidScopes(consent.scopes);
        if (!Purposes.isValid(consent.purpose)) revert InvalidPurpose(consent.purpose);
        if (!Scopes.isLive(consent.expiresAt, block.timestamp)) revert ConsentExpired(consent.expiresAt);
        if (!_isEligibleGrantee(consent.grantee)) revert InactiveGrantee(consent.grantee);
        if (consent.tokenId == ALL_RECORDS) {
            if (!patientRegistry.isPatient(consent.patient)) revert NotAPatient(consent.patient);
        } else if (_patientOf(consent.tokenId) != consent.patient) {
            revert NotRecordPatient(consent.tokenId, consent.patient);
        }
    }

    function _storeGrant(Consent calldata consent, bytes32 consentId) private {
        _grants[_consentKey(consent.patient, consent.tokenId, consent.grantee)] = Grant({
            purpose: Purposes.pack(consent.purpose),
            expiresAt: consent.expiresAt,
            scopes: consent.scopes
        });
        emit AccessGranted(
            consentId,
            consent.patient,
            consent.grantee,
            consent.tokenId,
            consent.scopes,
            consent.purpose,
            consent.expiresAt,
            consent.metadataId
        );
    }

    function _revoke(address patient, uint256 tokenId, address grantee) private {
        bytes32 key = _consentKey(patient, tokenId, grantee);
        Grant memory existing = _grants[key];
        if (existing.scopes == 0) revert NoGrant(patient, tokenId, grantee);
        delete _grants[key];
        emit AccessRevoked(patient, grantee, tokenId, bytes32(existing.purpose));
    }

    function _useNonce(address patient, uint256 nonce) private {
        uint256 bit = 1 << (nonce & 0xff);
        uint256 bits = _nonceBitmaps[patient][nonce >> 8];
        if (bits & bit != 0) revert NonceAlreadyUsed(patient, nonce);
        _nonceBitmaps[patient][nonce >> 8] = bits | bit;
    }

    /// @dev Whether `grantee` (live, unsuspended) may hold `scope` for `purpose` on `tokenId` of `patient`,
    /// and whether the grant that allows it is an emergency grant.
    function _access(
        address patient,
        uint256 tokenId,
        address grantee,
        uint8 scope,
        bytes32 purpose,
        bool matchPurpose
    ) private view returns (bool allowed, bool emergency) {
        IProviderRegistry.Kind kind = providerRegistry.activeKindOf(grantee);
        if (!_isGranteeKind(kind)) return (false, false);
        if (
            _covers(_grants[_consentKey(patient, tokenId, grantee)], scope, purpose, matchPurpose) ||
            _covers(_grants[_consentKey(patient, ALL_RECORDS, grantee)], scope, purpose, matchPurpose)
        ) return (true, false);
        if (
            kind == IProviderRegistry.Kind.Provider &&
            _covers(_grants[_emergencyKey(tokenId, grantee)], scope, purpose, matchPurpose)
        ) return (true, true);
        return (false, false);
    }

    function _covers(Grant memory stored, uint8 scope, bytes32 purpose, bool matchPurpose) private view returns (bool) {
        return
            Scopes.covers(stored.scopes, scope) &&
            Scopes.isLive(stored.expiresAt, block.timestamp) &&
            (!matchPurpose || bytes32(stored.purpose) == purpose);
    }

    function _isEligibleGrantee(address grantee) private view returns (bool) {
        return _isGranteeKind(providerRegistry.activeKindOf(grantee));
    }

    /// @dev Resolvers release keys but never hold grants themselves.
    function _isGranteeKind(IProviderRegistry.Kind kind) private pure returns (bool) {
        return kind != IProviderRegistry.Kind.None && kind != IProviderRegistry.Kind.Resolver;
    }

    /// @dev The caller must hold `BREAK_GLASS_ROLE` or be the emergency delegate of `patient`.
    function _requireEmergencyAuthority(address patient) private view {
        if (!hasRole(BREAK_GLASS_ROLE, msg.sender) && emergencyDelegateOf[patient] != msg.sender) {
            revert NotAuthorized(msg.sender);
        }
    }

    function _requireHolder(address patient, uint256 tokenId) private view {
        if (tokenId != ALL_RECORDS && _patientOrZero(tokenId) != patient) revert NotRecordPatient(tokenId, patient);
    }

    function _patientOf(uint256 tokenId) private view returns (address patient) {
        patient = _patientOrZero(tokenId);
        if (patient == address(0)) revert UnknownToken(tokenId);
    }

    function _patientOrZero(uint256 tokenId) private view returns (address) {
        IRecordToken token = recordToken;
        if (address(token) == address(0)) revert RecordTokenNotSet();
        return tokenId == ALL_RECORDS ? address(0) : token.patientOf(tokenId);
    }

    function _consentKey(address patient, uint256 tokenId, address grantee) private pure returns (bytes32) {
        return keccak256(abi.encode(patient, tokenId, grantee));
    }

    function _emergencyKey(uint256 tokenId, address grantee) private pure returns (bytes32) {
        return keccak256(abi.encode(_EMERGENCY_TAG, tokenId, grantee));
    }
}
