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
 * Storage: one packed slot per (patient, token, grantee) consent (purpose, expiry, scopes and the pair's
 * consent epoch) and one per (token, grantee) emergency grant; nonces are a bitmap (256 per slot). Revocation
 * cannot be paused or blocked by any role.
 *
 * Ordering: every consent names the epoch of its (patient, token, grantee) pair ({consentEpochOf}); it applies only
 * at that epoch, and every grant and revocation of the pair advances it. So a consent signed before the pair's
 * latest change (an older, broader one; a spare one after a revocation) can never be submitted.
 *
 * Registration: patient-wide consents and the emergency delegate are bound to the patient's current registration
 * ({IPatientRegistry-registrationOf}); they end when the patient deregisters and do not return with a new one.
 *
 * Emergency access is opened by the global break-glass authority (`BREAK_GLASS_ROLE`, the hospital's M-of-N Safe)
 * or, for one patient's records only, by the emergency delegate that patient named (a Safe of its guardians). Each
 * call opens at most {MAX_EMERGENCY_DURATION}; renewals of one (token, grantee) are capped at
 * {MAX_EMERGENCY_PER_WINDOW} of access per {EMERGENCY_WINDOW}; grants a delegate opened end when the patient
 * replaces or clears that delegate, or deregisters.
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
        uint64 epoch;
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

    /// @notice What is stored for one consent grant: exactly one storage slot. `epoch` counts the grants and
    /// revocations of the pair and survives a revocation (which clears the rest).
    struct Grant {
        bytes22 purpose;
        uint40 expiresAt;
        uint8 scopes;
        uint32 epoch;
    }

    /// @notice What is stored for one emergency grant (READ under `ETREAT`): exactly one storage slot.
    /// `windowStart`/`windowUsed` meter the access opened in the current {EMERGENCY_WINDOW}; `delegation` is the
    /// patient's delegation epoch when the patient's emergency delegate opened it, 0 when `BREAK_GLASS_ROLE` did.
    struct EmergencyGrant {
        uint40 expiresAt;
        uint40 windowStart;
        uint32 windowUsed;
        uint32 delegation;
    }

    /// @dev A patient's emergency delegate, in force while `registration` is the patient's current registration.
    /// `epoch` advances on every change, which ends the grants the previous delegate opened.
    struct Delegation {
        address delegate;
        uint32 epoch;
        uint64 registration;
    }

    /// @notice One key release whose disclosure {recordDisclosures} logs: `requestHash` is the EIP-712 digest of
    /// the access request the reader signed, so that every release maps to exactly one {Disclosure}.
    struct DisclosureRequest {
        uint256 tokenId;
        address grantee;
        bytes32 purpose;
        bytes32 requestHash;
    }

    /// @notice {checkDisclosures}' verdict on one request and the record's current version.
    struct DisclosureCheck {
        uint8 status;
        uint64 version;
    }

    /// @dev What a batch of disclosures read last: the grantee's kind, the patient's registration and the
    /// patient-wide grant of the (patient, grantee) pair (each valid for the keys it is stored with; all within one
    /// transaction or call, in which no grant can change).
    struct AccessCache {
        address grantee;
        IProviderRegistry.Kind kind;
        bool hasKind;
        address patient;
        uint64 registration;
        bool hasRegistration;
        Grant patientWide;
        bool hasPatientWide;
    }

    /// @notice Disclosure status: allowed (READ for the purpose holds now).
    uint8 public constant DISCLOSURE_ALLOWED = 0;
    /// @notice Disclosure status: the record is erased or was never minted.
    uint8 public constant DISCLOSURE_ERASED = 1;
    /// @notice Disclosure status: no READ access for the purpose.
    uint8 public constant DISCLOSURE_DENIED = 2;

    /// @notice Role of the break-glass authority (an M-of-N Safe) that opens emergency access.
    bytes32 public constant BREAK_GLASS_ROLE = keccak256("BREAK_GLASS_ROLE");
    /// @notice Role of the key-release resolver that records disclosures.
    bytes32 public constant RESOLVER_ROLE = keccak256("RESOLVER_ROLE");
    /// @notice Token id meaning "every record of the patient".
    uint256 public constant ALL_RECORDS = type(uint256).max;
    /// @notice Longest emergency access one break-glass call can open.
    uint64 public constant MAX_EMERGENCY_DURATION = 24 hours;
    /// @notice The window over which emergency access to one (token, grantee) is metered.
    uint64 public constant EMERGENCY_WINDOW = 7 days;
    /// @notice Most emergency access (seconds opened, renewals included) one (token, grantee) may get per window.
    uint64 public constant MAX_EMERGENCY_PER_WINDOW = 72 hours;
    /// @notice Latest expiry a consent may carry (the stored expiry has 40 bits).
    uint64 public constant MAX_EXPIRY = type(uint40).max;
    /// @notice Scope bit: read the record.
    uint8 public constant READ = Scopes.READ;
    /// @notice Scope bit: add records or versions.
    uint8 public constant APPEND = Scopes.APPEND;
    /// @notice Scope bit: annotate a record.
    uint8 public constant ANNOTATE = Scopes.ANNOTATE;

    /// @notice EIP-712 type hash of {Consent}.
    bytes32 public constant CONSENT_TYPEHASH =
        keccak256(
            "Consent(address patient,address grantee,uint256 tokenId,uint8 scopes,bytes32 purpose,uint64 expiresAt,uint256 nonce,uint64 epoch,bytes32 metadataId)"
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
    mapping(bytes32 key => EmergencyGrant) private _emergencyGrants;
    mapping(address patient => mapping(uint256 word => uint256 bits)) private _nonceBitmaps;
    mapping(address patient => Delegation) private _delegations;

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
    /// @dev The consent's expiry lies beyond {MAX_EXPIRY}.
    error ExpiryTooFar(uint64 expiresAt);
    /// @dev The consent was signed at epoch `given` of its pair, which is now at `current`: the pair changed since.
    error StaleConsent(uint64 current, uint64 given);
    /// @dev The relayed revocation's deadline has passed.
    error SignatureExpired(uint64 deadline);
    /// @dev The signature is not the patient's.
    error InvalidSignature();
    /// @dev `nonce` of `patient` was used or invalidated before.
    error NonceAlreadyUsed(address patient, uint256 nonce);
    /// @dev The record token answered a batch read with something other than one value per token id.
    error InvalidRecordTokenAnswer();
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
    /// @dev This (token, grantee) may get only `remaining` more seconds of emergency access in the current window.
    error EmergencyAllowanceExceeded(uint256 tokenId, address grantee, uint64 remaining);
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
    /// @notice `resolver` released the key of `tokenId` to `grantee` for `purpose`, answering the access request
    /// whose hash (the EIP-712 digest the reader signed) is `requestHash`.
    event Disclosure(
        uint256 indexed tokenId,
        address indexed patient,
        address indexed grantee,
        bytes32 purpose,
        address resolver,
        bool emergency,
        bytes32 requestHash
    );
    /// @notice A disclosure of a batch was refused (`reason`: 1 the record is erased or unknown, 2 no access for
    /// the purpose): nothing may be released for `requestHash`.
    event DisclosureRefused(bytes32 indexed requestHash, uint256 indexed tokenId, address indexed grantee, uint8 reason);
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
     * The consent must carry the pair's current {consentEpochOf}; it replaces the pair's previous consent and
     * advances the epoch, so no consent signed before it can be submitted afterwards.
     * Reverts with {InvalidScopes}, {InvalidPurpose}, {ConsentExpired}, {ExpiryTooFar}, {InactiveGrantee},
     * {NotAPatient}, {UnknownToken}, {NotRecordPatient}, {StaleConsent}, {NonceAlreadyUsed} or {InvalidSignature}.
     * @return consentId The EIP-712 digest of the consent.
     */
    function grant(Consent calldata consent, bytes calldata signature) external returns (bytes32 consentId) {
        (bytes32 key, uint32 epoch) = _validateConsent(consent);
        consentId = _hashTypedDataV4(hashConsent(consent));
        _useNonce(consent.patient, consent.nonce);
        if (!SignatureChecker.isValidSignatureNowCalldata(consent.patient, consentId, signature)) {
            revert InvalidSignature();
        }
        _storeGrant(key, epoch, consent, consentId);
    }

    /**
     * @notice Stores a consent given by the calling patient itself (no signature, no nonce used).
     * @dev `consent.patient` must be the caller; `consent.nonce` is only part of the consent id; `consent.epoch`
     * must be the pair's current epoch, which this advances as {grant} does.
     * Reverts as {grant} does, and with {NotAuthorized} when the caller is not `consent.patient`.
     * @return consentId The EIP-712 digest of the consent.
     */
    function grantDirect(Consent calldata consent) external returns (bytes32 consentId) {
        if (consent.patient != msg.sender) revert NotAuthorized(msg.sender);
        (bytes32 key, uint32 epoch) = _validateConsent(consent);
        consentId = _hashTypedDataV4(hashConsent(consent));
        _storeGrant(key, epoch, consent, consentId);
    }

    // ------------------------------------------------------------------ revocation

    /**
     * @notice Revokes the caller's grant to `grantee` on `tokenId` (or on `ALL_RECORDS`). Takes effect in
     * this block; no role can pause or block it. It advances the pair's epoch: every consent signed for the pair
     * before it, submitted or not, is void.
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
     * `address(0)` clears the delegate. A new delegate replaces the previous one. Either way, the emergency grants
     * the previous delegate opened end now. The delegate stays in force only for the caller's current registration.
     * @dev The caller must be a registered patient to name a delegate; clearing is always allowed, so that no
     * registry state can keep an authority alive. Reverts with {NotAPatient}.
     */
    function setEmergencyDelegate(address delegate) external {
        uint64 registration = patientRegistry.registrationOf(msg.sender);
        if (delegate != address(0) && registration == 0) revert NotAPatient(msg.sender);
        Delegation storage delegation = _delegations[msg.sender];
        // A new epoch ends every emergency grant the previous delegate opened.
        delegation.epoch += 1;
        delegation.delegate = delegate;
        delegation.registration = registration;
        emit EmergencyDelegateSet(msg.sender, delegate);
    }

    /**
     * @notice Opens READ access on `tokenId` for the active provider `grantee`, for `duration` seconds at most
     * {MAX_EMERGENCY_DURATION}, for the reason whose hash is `reasonHash`.
     * A call while access is open renews it to `duration` from now; the seconds it adds beyond the open access count
     * against {MAX_EMERGENCY_PER_WINDOW} of this (token, grantee) in the current {EMERGENCY_WINDOW} (which starts at
     * the first emergency access after the previous window ended; ending access early gives no seconds back).
     * @dev Callable by `BREAK_GLASS_ROLE` (the hospital's M-of-N Safe, on any record) or by the emergency delegate
     * of the record's patient (on that patient's records only). `approvedBy` in the event is the caller.
     * Reverts with {UnknownToken}, {NotAuthorized}, {InvalidEmergencyDuration}, {MissingReason}, {InactiveGrantee}
     * or {EmergencyAllowanceExceeded}.
     */
    function emergencyAccess(uint256 tokenId, address grantee, bytes32 reasonHash, uint64 duration) external {
        address patient = _patientOf(tokenId);
        uint32 delegation = _requireEmergencyAuthority(patient);
        if (duration == 0 || duration > MAX_EMERGENCY_DURATION) revert InvalidEmergencyDuration(duration);
        if (reasonHash == bytes32(0)) revert MissingReason();
        if (providerRegistry.activeKindOf(grantee) != IProviderRegistry.Kind.Provider) revert InactiveGrantee(grantee);
        bytes32 key = _emergencyKey(tokenId, grantee);
        EmergencyGrant memory renewed = _meterEmergency(_emergencyGrants[key], patient, duration, tokenId, grantee);
        renewed.delegation = delegation;
        _emergencyGrants[key] = renewed;
        emit EmergencyAccessGranted(tokenId, patient, grantee, msg.sender, reasonHash, renewed.expiresAt);
    }

    /**
     * @notice Ends an emergency access before it expires; callable by the patient, the break-glass authority or
     * the patient's emergency delegate. The seconds it had are not given back to the window's allowance.
     * @dev Reverts with {UnknownToken}, {NotAuthorized} or {NoGrant}.
     */
    function endEmergencyAccess(uint256 tokenId, address grantee) external {
        address patient = _patientOf(tokenId);
        if (msg.sender != patient) _requireEmergencyAuthority(patient);
        EmergencyGrant storage stored = _emergencyGrants[_emergencyKey(tokenId, grantee)];
        if (stored.expiresAt == 0) revert NoGrant(patient, tokenId, grantee);
        // The window's metering stays: ending and reopening gives no extra time.
        stored.expiresAt = 0;
        emit EmergencyAccessEnded(tokenId, patient, grantee, msg.sender);
    }

    // ------------------------------------------------------------------ disclosures

    /**
     * @notice Logs the disclosures of a batch of key releases, each only while {hasAccessFor}(grantee, tokenId,
     * READ, purpose) holds: an entry that fails emits {DisclosureRefused} instead and the others go on, so a
     * revocation mined before the batch refuses only its own requests.
     * @dev Only `RESOLVER_ROLE`. A resolver releases the key of a request only once its {Disclosure} (matched by
     * `requestHash`) is mined.
     * @return disclosed How many entries emitted {Disclosure}.
     */
    function recordDisclosures(DisclosureRequest[] calldata requests) external onlyRole(RESOLVER_ROLE) returns (uint256 disclosed) {
        address[] memory patients = _patientsOf(_recordToken(), requests);
        uint256 count = requests.length;
        AccessCache memory cache;
        for (uint256 i; i < count; ) {
            DisclosureRequest calldata request = requests[i];
            (uint256 tokenId, address grantee, bytes32 purpose) = (request.tokenId, request.grantee, request.purpose);
            address patient = patients[i];
            (uint8 status, bool emergency) = _disclosureStatus(tokenId, patient, grantee, purpose, cache);
            if (status == DISCLOSURE_ALLOWED) {
                emit Disclosure(tokenId, patient, grantee, purpose, msg.sender, emergency, request.requestHash);
                unchecked {
                    ++disclosed;
                }
            } else {
                emit DisclosureRefused(request.requestHash, tokenId, grantee, status);
            }
            unchecked {
                ++i;
            }
        }
    }

    /**
     * @notice What {recordDisclosures} would decide for each of `requests` now, with the record's current version:
     * the resolver's access checks of one batch, answered at one block height.
     * @return checks Per request: status ({DISCLOSURE_ALLOWED}, {DISCLOSURE_ERASED} or {DISCLOSURE_DENIED}) and
     * the record's version (0 when erased).
     */
    function checkDisclosures(DisclosureRequest[] calldata requests) external view returns (DisclosureCheck[] memory checks) {
        (address[] memory patients, uint64[] memory versions) = _recordToken().pointersOf(_tokenIdsOf(requests));
        checks = new DisclosureCheck[](requests.length);
        AccessCache memory cache;
        for (uint256 i; i < requests.length; ++i) {
            DisclosureRequest calldata request = requests[i];
            (uint8 status, ) = _disclosureStatus(request.tokenId, patients[i], request.grantee, request.purpose, cache);
            checks[i] = DisclosureCheck({status: status, version: status == DISCLOSURE_ERASED ? 0 : versions[i]});
        }
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
        if (!_isEligibleGrantee(issuer)) return false;
        uint64 registration = patientRegistry.registrationOf(patient);
        return
            registration != 0 &&
            _covers(_grants[_patientWideKey(patient, issuer, registration)], Scopes.APPEND, bytes32(0), false);
    }

    /**
     * @notice The stored consent grant of `grantee` on `tokenId` of `patient` (for `ALL_RECORDS`: under the patient's
     * current registration); zero if none. After a revocation only `epoch` is set.
     */
    function grantOf(address patient, uint256 tokenId, address grantee) external view returns (Grant memory) {
        (bytes32 key, ) = _grantKey(patient, tokenId, grantee);
        return _grants[key];
    }

    /**
     * @notice The epoch the next consent of `patient` to `grantee` on `tokenId` (or `ALL_RECORDS`) must carry. It
     * changes with every grant and revocation of the pair; for `ALL_RECORDS` it also names the patient's current
     * registration (high 32 bits), so a consent signed before a re-registration never applies after it.
     */
    function consentEpochOf(address patient, uint256 tokenId, address grantee) external view returns (uint64) {
        (bytes32 key, uint64 base) = _grantKey(patient, tokenId, grantee);
        return base | _grants[key].epoch;
    }

    /// @notice The stored emergency grant of `grantee` on `tokenId` (expiry zero if none or ended), with its metering.
    function emergencyGrantOf(uint256 tokenId, address grantee) external view returns (EmergencyGrant memory) {
        return _emergencyGrants[_emergencyKey(tokenId, grantee)];
    }

    /// @notice Whether `grantee` holds live emergency access on `tokenId` now (opened by an authority still in force).
    function hasEmergencyAccess(uint256 tokenId, address grantee) external view returns (bool) {
        address patient = _patientOrZero(tokenId);
        return patient != address(0) && _isEmergencyLive(_emergencyGrants[_emergencyKey(tokenId, grantee)], patient);
    }

    /**
     * @notice The emergency delegate in force for `patient` (typically a Safe of its guardians); zero if none, if
     * cleared, or if the patient deregistered since naming it. It may open and end emergency access on that
     * patient's records only.
     */
    function emergencyDelegateOf(address patient) public view returns (address) {
        Delegation memory delegation = _delegations[patient];
        return _isDelegationInForce(patient, delegation) ? delegation.delegate : address(0);
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
                    consent.epoch,
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

    /// @dev Checks `consent` against the rules and the pair's epoch; returns the pair's key and stored epoch.
    function _validateConsent(Consent calldata consent) private view returns (bytes32 key, uint32 epoch) {
        if (!Scopes.isValid(consent.scopes)) revert InvalidScopes(consent.scopes);
        if (!Purposes.isValid(consent.purpose)) revert InvalidPurpose(consent.purpose);
        if (!Scopes.isLive(consent.expiresAt, block.timestamp)) revert ConsentExpired(consent.expiresAt);
        if (consent.expiresAt > MAX_EXPIRY) revert ExpiryTooFar(consent.expiresAt);
        if (!_isEligibleGrantee(consent.grantee)) revert InactiveGrantee(consent.grantee);
        uint64 base;
        (key, base) = _grantKey(consent.patient, consent.tokenId, consent.grantee);
        if (consent.tokenId == ALL_RECORDS) {
            if (base == 0) revert NotAPatient(consent.patient);
        } else if (_patientOf(consent.tokenId) != consent.patient) {
            revert NotRecordPatient(consent.tokenId, consent.patient);
        }
        epoch = _grants[key].epoch;
        if (consent.epoch != base | epoch) revert StaleConsent(base | epoch, consent.epoch);
    }

    function _storeGrant(bytes32 key, uint32 epoch, Consent calldata consent, bytes32 consentId) private {
        _grants[key] = Grant({
            purpose: Purposes.pack(consent.purpose),
            expiresAt: uint40(consent.expiresAt),
            scopes: consent.scopes,
            epoch: epoch + 1
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
        (bytes32 key, ) = _grantKey(patient, tokenId, grantee);
        Grant memory existing = _grants[key];
        if (existing.scopes == 0) revert NoGrant(patient, tokenId, grantee);
        // Clear the grant but keep (and advance) the epoch: every consent signed before now is void.
        _grants[key] = Grant({purpose: bytes22(0), expiresAt: 0, scopes: 0, epoch: existing.epoch + 1});
        emit AccessRevoked(patient, grantee, tokenId, bytes32(existing.purpose));
    }

    function _useNonce(address patient, uint256 nonce) private {
        uint256 bit = 1 << (nonce & 0xff);
        uint256 bits = _nonceBitmaps[patient][nonce >> 8];
        if (bits & bit != 0) revert NonceAlreadyUsed(patient, nonce);
        _nonceBitmaps[patient][nonce >> 8] = bits | bit;
    }

    /// @dev The record token; reverts with {RecordTokenNotSet} before it is wired in.
    function _recordToken() private view returns (IRecordToken token) {
        token = recordToken;
        if (address(token) == address(0)) revert RecordTokenNotSet();
    }

    /// @dev {IRecordToken-patientsOf} of the token ids of `requests`, in one call. The call data is written straight
    /// from `requests` and the returned array is used in place (building and decoding them with the ABI coder costs
    /// about 260 gas more per request). Reverts as the call does, or with {InvalidRecordTokenAnswer} if the answer is not
    /// one address per request.
    function _patientsOf(IRecordToken token, DisclosureRequest[] calldata requests) private view returns (address[] memory patients) {
        bytes4 selector = IRecordToken.patientsOf.selector;
        bool wellFormed;
        assembly ("memory-safe") {
            let count := requests.length
            let ptr := mload(0x40)
            // patientsOf(uint256[]): selector, offset of the array, its length, the token ids (word 0 of each request).
            mstore(ptr, selector)
            mstore(add(ptr, 0x04), 0x20)
            mstore(add(ptr, 0x24), count)
            let end := add(add(ptr, 0x44), shl(5, count))
            for {
                let dst := add(ptr, 0x44)
                let src := requests.offset
            } lt(dst, end) {
                dst := add(dst, 0x20)
                src := add(src, 0x80)
            } {
                mstore(dst, calldataload(src))
            }
            if iszero(staticcall(gas(), token, ptr, sub(end, ptr), 0, 0)) {
                returndatacopy(ptr, 0, returndatasize())
                revert(ptr, returndatasize())
            }
            // The answer: offset 0x20, then the array (its length, one word per request), copied in place.
            if eq(returndatasize(), add(0x40, shl(5, count))) {
                returndatacopy(ptr, 0, returndatasize())
                let dirty := xor(mload(ptr), 0x20)
                dirty := or(dirty, xor(mload(add(ptr, 0x20)), count))
                patients := add(ptr, 0x20)
                let last := add(patients, shl(5, count))
                for {
                    let at := add(patients, 0x20)
                } iszero(gt(at, last)) {
                    at := add(at, 0x20)
                } {
                    dirty := or(dirty, shr(160, mload(at)))
                }
                wellFormed := iszero(dirty)
                mstore(0x40, add(last, 0x20))
            }
        }
        if (!wellFormed) revert InvalidRecordTokenAnswer();
    }

    /// @dev The token id of each of `requests`, in order.
    function _tokenIdsOf(DisclosureRequest[] calldata requests) private pure returns (uint256[] memory tokenIds) {
        uint256 count = requests.length;
        tokenIds = new uint256[](count);
        for (uint256 i; i < count; ) {
            tokenIds[i] = requests[i].tokenId;
            unchecked {
                ++i;
            }
        }
    }

    /// @dev The verdict on one disclosure request (`grantee` reads `tokenId` for `purpose`; `patient` holds the record,
    /// zero if it is erased or unknown), and whether the grant that allows it is an emergency grant. `cache` carries
    /// what the previous requests of the batch read.
    function _disclosureStatus(
        uint256 tokenId,
        address patient,
        address grantee,
        bytes32 purpose,
        AccessCache memory cache
    ) private view returns (uint8 status, bool emergency) {
        if (tokenId == ALL_RECORDS || patient == address(0)) return (DISCLOSURE_ERASED, false);
        bool allowed;
        (allowed, emergency) = _accessCached(cache, patient, tokenId, grantee, Scopes.READ, purpose, true);
        status = allowed ? DISCLOSURE_ALLOWED : DISCLOSURE_DENIED;
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
        return _accessCached(_emptyCache(), patient, tokenId, grantee, scope, purpose, matchPurpose);
    }

    /// @dev {_access}, reading the grantee's kind, the patient's registration and the patient-wide grant through
    /// `cache` (a batch reads each once per run of requests of one grantee and one patient).
    function _accessCached(
        AccessCache memory cache,
        address patient,
        uint256 tokenId,
        address grantee,
        uint8 scope,
        bytes32 purpose,
        bool matchPurpose
    ) private view returns (bool allowed, bool emergency) {
        if (cache.grantee != grantee || !cache.hasKind) {
            cache.grantee = grantee;
            cache.kind = providerRegistry.activeKindOf(grantee);
            cache.hasKind = true;
            cache.hasPatientWide = false;
        }
        IProviderRegistry.Kind kind = cache.kind;
        if (!_isGranteeKind(kind)) return (false, false);
        if (cache.patient != patient || !cache.hasRegistration) {
            cache.patient = patient;
            cache.registration = patientRegistry.registrationOf(patient);
            cache.hasRegistration = true;
            cache.hasPatientWide = false;
        }
        // The patient-wide grant first: it is shared by all of the patient's records (read once per run).
        if (!cache.hasPatientWide) {
            uint64 registration = cache.registration;
            if (registration != 0) cache.patientWide = _grants[_patientWideKey(patient, grantee, registration)];
            else delete cache.patientWide;
            cache.hasPatientWide = true;
        }
        if (_covers(cache.patientWide, scope, purpose, matchPurpose)) return (true, false);
        if (_coversStored(_grants[_recordKey(patient, tokenId, grantee)], scope, purpose, matchPurpose)) return (true, false);
        if (
            kind == IProviderRegistry.Kind.Provider &&
            Scopes.covers(Scopes.READ, scope) &&
            (!matchPurpose || purpose == Purposes.EMERGENCY) &&
            _isEmergencyLive(_emergencyGrants[_emergencyKey(tokenId, grantee)], patient)
        ) return (true, true);
        return (false, false);
    }

    function _emptyCache() private pure returns (AccessCache memory cache) {}

    /// @dev `current` opened or renewed for `duration` from now, with the window's metering charged: only the
    /// seconds beyond access already open count. Reverts with {EmergencyAllowanceExceeded}.
    function _meterEmergency(
        EmergencyGrant memory current,
        address patient,
        uint64 duration,
        uint256 tokenId,
        address grantee
    ) private view returns (EmergencyGrant memory renewed) {
        uint64 nowSeconds = uint64(block.timestamp);
        uint64 expiresAt = nowSeconds + duration;
        uint64 windowStart = current.windowStart;
        uint64 used = current.windowUsed;
        if (nowSeconds >= windowStart + EMERGENCY_WINDOW) (windowStart, used) = (nowSeconds, 0);
        uint64 openUntil = _isEmergencyLive(current, patient) ? current.expiresAt : nowSeconds;
        uint64 charged = expiresAt > openUntil ? expiresAt - openUntil : 0;
        if (used + charged > MAX_EMERGENCY_PER_WINDOW) {
            revert EmergencyAllowanceExceeded(tokenId, grantee, MAX_EMERGENCY_PER_WINDOW - used);
        }
        renewed = EmergencyGrant({
            expiresAt: uint40(expiresAt),
            windowStart: uint40(windowStart),
            windowUsed: uint32(used + charged),
            delegation: 0
        });
    }

    /// @dev Whether `stored` is open now, under an authority still in force (a delegate's grant ends with it).
    function _isEmergencyLive(EmergencyGrant memory stored, address patient) private view returns (bool) {
        if (!Scopes.isLive(stored.expiresAt, block.timestamp)) return false;
        if (stored.delegation == 0) return true;
        Delegation memory delegation = _delegations[patient];
        return delegation.epoch == stored.delegation && _isDelegationInForce(patient, delegation);
    }

    /// @dev Whether `delegation` names a delegate under the patient's current registration.
    function _isDelegationInForce(address patient, Delegation memory delegation) private view returns (bool) {
        return
            delegation.delegate != address(0) &&
            delegation.registration != 0 &&
            delegation.registration == patientRegistry.registrationOf(patient);
    }

    function _covers(Grant memory stored, uint8 scope, bytes32 purpose, bool matchPurpose) private view returns (bool) {
        return _coversFields(stored.scopes, stored.expiresAt, stored.purpose, scope, purpose, matchPurpose);
    }

    /// @dev {_covers} on a grant in storage, read in one SLOAD without copying it to memory.
    function _coversStored(Grant storage stored, uint8 scope, bytes32 purpose, bool matchPurpose) private view returns (bool) {
        (uint8 scopes, uint40 expiresAt, bytes22 storedPurpose) = (stored.scopes, stored.expiresAt, stored.purpose);
        return _coversFields(scopes, expiresAt, storedPurpose, scope, purpose, matchPurpose);
    }

    function _coversFields(
        uint8 scopes,
        uint40 expiresAt,
        bytes22 storedPurpose,
        uint8 scope,
        bytes32 purpose,
        bool matchPurpose
    ) private view returns (bool) {
        return
            Scopes.covers(scopes, scope) &&
            Scopes.isLive(expiresAt, block.timestamp) &&
            (!matchPurpose || bytes32(storedPurpose) == purpose);
    }

    function _isEligibleGrantee(address grantee) private view returns (bool) {
        return _isGranteeKind(providerRegistry.activeKindOf(grantee));
    }

    /// @dev Resolvers release keys but never hold grants themselves.
    function _isGranteeKind(IProviderRegistry.Kind kind) private pure returns (bool) {
        return kind != IProviderRegistry.Kind.None && kind != IProviderRegistry.Kind.Resolver;
    }

    /// @dev The caller must hold `BREAK_GLASS_ROLE` (returns 0) or be the emergency delegate in force of `patient`
    /// (returns the delegation epoch its grants are bound to).
    function _requireEmergencyAuthority(address patient) private view returns (uint32 delegation) {
        if (hasRole(BREAK_GLASS_ROLE, msg.sender)) return 0;
        Delegation memory named = _delegations[patient];
        if (named.delegate != msg.sender || !_isDelegationInForce(patient, named)) revert NotAuthorized(msg.sender);
        return named.epoch;
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

    /// @dev The grant key of a pair and the high bits of its epoch: a record's key, or for `ALL_RECORDS` the key
    /// of the patient's current registration (whose number the epoch carries, so epochs never repeat across them).
    function _grantKey(address patient, uint256 tokenId, address grantee) private view returns (bytes32 key, uint64 base) {
        if (tokenId != ALL_RECORDS) return (_recordKey(patient, tokenId, grantee), 0);
        uint64 registration = patientRegistry.registrationOf(patient);
        return (_patientWideKey(patient, grantee, registration), registration << 32);
    }

    /// @dev keccak256(abi.encode(patient, tokenId, grantee)), hashed in scratch memory (nothing is allocated).
    function _recordKey(address patient, uint256 tokenId, address grantee) private pure returns (bytes32 key) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, and(patient, 0xffffffffffffffffffffffffffffffffffffffff))
            mstore(add(ptr, 0x20), tokenId)
            mstore(add(ptr, 0x40), and(grantee, 0xffffffffffffffffffffffffffffffffffffffff))
            key := keccak256(ptr, 0x60)
        }
    }

    function _patientWideKey(address patient, address grantee, uint64 registration) private pure returns (bytes32) {
        return keccak256(abi.encode(patient, ALL_RECORDS, grantee, registration));
    }

    function _emergencyKey(uint256 tokenId, address grantee) private pure returns (bytes32) {
        return keccak256(abi.encode(_EMERGENCY_TAG, tokenId, grantee));
    }
}
